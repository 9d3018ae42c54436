/** RFC 7591 registration at POST /register, through the Worker, against the real local D1. */
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import type { Env } from "../../src/config";
import { sha256b64url } from "../../src/lib/crypto";
import { parseClientMetadata } from "../../src/oidc/client-metadata";
import { getClient } from "../../src/oidc/clients";

const URL_REGISTER = "http://localhost:8787/register";
const ADMIN = "test-admin-token-0123456789";
const E = env as unknown as Env;

function register(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(URL_REGISTER, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function expectRejected(res: Response, error: string, status = 400): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get("cache-control")).toBe("no-store");
  const body = (await res.json()) as { error: string; error_description?: string };
  expect(body.error).toBe(error);
  expect(body.error_description).toBeTypeOf("string");
  return body.error_description!;
}

describe("POST /register: success", () => {
  it("registers a confidential client: 201, secret shown once, only its SHA-256 stored, metadata echoed with defaults", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await register({ redirect_uris: ["https://app.example/cb"], client_name: "Example App" });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      client_id: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      client_id_issued_at: expect.any(Number),
      client_secret_expires_at: 0,
      redirect_uris: ["https://app.example/cb"],
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      client_name: "Example App",
      post_logout_redirect_uris: [],
      // OIDC Registration 1.0 §2: the default id_token_signed_response_alg is RS256.
      id_token_signed_response_alg: "RS256",
      application_type: "web",
      first_party: false,
    });
    expect(body.client_id_issued_at).toBeGreaterThanOrEqual(before);

    const row = await E.DB.prepare("SELECT * FROM clients WHERE id = ?")
      .bind(body.client_id)
      .first<Record<string, unknown>>();
    expect(row?.secret_hash).toBe(await sha256b64url(body.client_secret as string));
    expect(JSON.stringify(row)).not.toContain(body.client_secret as string);
    expect(row?.redirect_uris).toBe('["https://app.example/cb"]');

    expect(await getClient(E, body.client_id as string)).toEqual({
      id: body.client_id,
      secretHash: await sha256b64url(body.client_secret as string),
      name: "Example App",
      logoUri: null,
      redirectUris: ["https://app.example/cb"],
      postLogoutRedirectUris: [],
      grantTypes: ["authorization_code"],
      responseTypes: ["code"],
      tokenEndpointAuthMethod: "client_secret_basic",
      idTokenSignedResponseAlg: "RS256",
      firstParty: false,
      applicationType: "web",
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      jwks: null,
      jwksUri: null,
      tokenEndpointAuthSigningAlg: null,
      secretEnc: null,
      connections: null,
    });
  });

  it("registers a public native client with loopback and private-use redirect URIs and no secret", async () => {
    const redirects = [
      "http://127.0.0.1:49152/cb",
      "http://[::1]/cb",
      "http://localhost:3000/cb",
      "com.example.app:/oauth2redirect",
    ];
    const res = await register({
      redirect_uris: redirects,
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      application_type: "native",
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.application_type).toBe("native");
    expect(body).not.toHaveProperty("client_secret");
    expect(body).not.toHaveProperty("client_secret_expires_at");
    expect(body.redirect_uris).toEqual(redirects);
    expect(body.grant_types).toEqual(["authorization_code", "refresh_token"]);
    const client = await getClient(E, body.client_id as string);
    expect(client?.secretHash).toBeNull();
    expect(client?.tokenEndpointAuthMethod).toBe("none");
    expect(client?.applicationType).toBe("native");
    // Without client_name, the client_id is what people are shown (RFC 7591 §2).
    expect(client?.name).toBe(body.client_id);
  });

  it("stores every supported field: post-logout URIs, logo, ES256, first_party, client_secret_post", async () => {
    const res = await register({
      redirect_uris: ["https://rp.example/cb"],
      post_logout_redirect_uris: ["https://rp.example/bye"],
      logo_uri: "https://rp.example/logo.png",
      id_token_signed_response_alg: "ES256",
      first_party: true,
      token_endpoint_auth_method: "client_secret_post",
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      logo_uri: "https://rp.example/logo.png",
      id_token_signed_response_alg: "ES256",
      first_party: true,
    });
    const client = await getClient(E, body.client_id as string);
    expect(client).toMatchObject({
      postLogoutRedirectUris: ["https://rp.example/bye"],
      logoUri: "https://rp.example/logo.png",
      idTokenSignedResponseAlg: "ES256",
      firstParty: true,
      tokenEndpointAuthMethod: "client_secret_post",
    });
  });

  it("ignores unknown metadata (RFC 7591 §2) and does not echo it", async () => {
    const res = await register({
      redirect_uris: ["https://a.example/cb"],
      software_id: "x",
      scope: "admin",
      client_id: "chosen-by-me",
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("software_id");
    expect(body).not.toHaveProperty("jwks_uri");
    expect(body).not.toHaveProperty("scope");
    expect(body.client_id).not.toBe("chosen-by-me");
  });

  it("issues a different client_id and secret each time", async () => {
    const a = (await (await register({ redirect_uris: ["https://a.example/cb"] })).json()) as Record<string, string>;
    const b = (await (await register({ redirect_uris: ["https://a.example/cb"] })).json()) as Record<string, string>;
    expect(a.client_id).not.toBe(b.client_id);
    expect(a.client_secret).not.toBe(b.client_secret);
  });
});

describe("POST /register: admin bearer token (RFC 6750)", () => {
  const body = JSON.stringify({ redirect_uris: ["https://a.example/cb"] });

  it("no credentials: 401 invalid_token with a bare Bearer challenge (RFC 6750 §3.1)", async () => {
    const res = await SELF.fetch(URL_REGISTER, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="latchkey"');
    expect(((await res.json()) as { error: string }).error).toBe("invalid_token");
  });

  it.each([
    ["a wrong token", `Bearer wrong-token-0123456789`],
    ["a prefix of the right token", `Bearer ${ADMIN.slice(0, -1)}`],
    ["the right token plus a suffix", `Bearer ${ADMIN}x`],
    ["the right token under the Basic scheme", `Basic ${ADMIN}`],
    ["the right token without a scheme", ADMIN],
  ])("forged credentials (%s): 401 invalid_token, and nothing is stored", async (_name, authorization) => {
    const count = async () => (await E.DB.prepare("SELECT count(*) AS n FROM clients").first<{ n: number }>())!.n;
    const before = await count();
    const res = await SELF.fetch(URL_REGISTER, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: authorization },
      body,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="latchkey", error="invalid_token"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(((await res.json()) as { error: string }).error).toBe("invalid_token");
    expect(await count()).toBe(before);
  });

  it("accepts the scheme name in any case (RFC 7235 §2.1)", async () => {
    const res = await register({ redirect_uris: ["https://a.example/cb"] }, { Authorization: `bearer ${ADMIN}` });
    expect(res.status).toBe(201);
  });

  it("no ADMIN_TOKEN configured: registration is refused (403) even with a bearer token", async () => {
    const unconfigured = { ...E, ADMIN_TOKEN: undefined } as Env;
    const res = await app.fetch(
      new Request(URL_REGISTER, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer anything-at-all-here" },
        body,
      }),
      unconfigured,
      createExecutionContext(),
    );
    const description = await expectRejected(res, "access_denied", 403);
    expect(description).toMatch(/ADMIN_TOKEN/);
  });
});

describe("POST /register: body (RFC 7591 §3.2.2)", () => {
  it("malformed JSON: 400 invalid_client_metadata", async () => {
    await expectRejected(await register('{"redirect_uris": ['), "invalid_client_metadata");
  });

  it("not JSON at all (form body): 415 invalid_client_metadata", async () => {
    await expectRejected(
      await register("redirect_uris=https%3A%2F%2Fa.example%2Fcb", {
        "Content-Type": "application/x-www-form-urlencoded",
      }),
      "invalid_client_metadata",
      415,
    );
  });

  it.each([["[]"], ["null"], ['"https://a.example/cb"'], ["42"]])(
    "a JSON body that is not an object (%s): 400 invalid_client_metadata",
    async (raw) => {
      await expectRejected(await register(raw), "invalid_client_metadata");
    },
  );

  it("oversized body: 413 invalid_client_metadata", async () => {
    await expectRejected(
      await register({ redirect_uris: ["https://a.example/cb"], client_name: "x".repeat(70_000) }),
      "invalid_client_metadata",
      413,
    );
  });
});

describe("POST /register: redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7)", () => {
  it.each([
    ["missing", {}],
    ["empty", { redirect_uris: [] }],
    ["a string instead of an array", { redirect_uris: "https://a.example/cb" }],
    ["a non-string entry", { redirect_uris: [42] }],
    ["relative", { redirect_uris: ["/cb"] }],
    ["with a fragment", { redirect_uris: ["https://a.example/cb#frag"] }],
    ["with an empty fragment", { redirect_uris: ["https://a.example/cb#"] }],
    ["plain http on a public host (code interception)", { redirect_uris: ["http://a.example/cb"] }],
    ["http on a host that only starts with localhost", { redirect_uris: ["http://localhost.evil.example/cb"] }],
    ["javascript: (script injection)", { redirect_uris: ["javascript:alert(document.domain)"] }],
    ["data: (script injection)", { redirect_uris: ["data:text/html,<script>alert(1)</script>"] }],
    ["file:", { redirect_uris: ["file:///etc/passwd"] }],
    ["a single-label custom scheme (not reverse-DNS)", { redirect_uris: ["myapp:/cb"] }],
    ["with credentials in the URL", { redirect_uris: ["https://user:pass@a.example/cb"] }],
    ["one bad among good ones", { redirect_uris: ["https://a.example/cb", "http://evil.example/cb"] }],
    ["too long", { redirect_uris: [`https://a.example/${"x".repeat(2100)}`] }],
    [
      "a space (a parser would re-encode it; the Location header would not)",
      { redirect_uris: ["https://a.example/c b"] },
    ],
    ["a tab (a parser drops it)", { redirect_uris: ["https://a.example/c\tb"] }],
    ["CR LF (header splitting)", { redirect_uris: ["https://a.example/cb?x=1\r\nSet-Cookie:a=b"] }],
    ["non-ASCII (must be percent-encoded)", { redirect_uris: ["https://a.example/caf\u00e9"] }],
  ])("%s: 400 invalid_redirect_uri", async (_name, body) => {
    await expectRejected(await register(body), "invalid_redirect_uri");
  });

  it("a web client registering a native app's private-use scheme: 400 invalid_redirect_uri (OIDC Registration 1.0 §2)", async () => {
    const description = await expectRejected(
      await register({ redirect_uris: ["com.example.app:/cb"] }),
      "invalid_redirect_uri",
    );
    expect(description).toContain("application_type");
    await expectRejected(
      await register({ redirect_uris: ["com.example.app:/cb"], application_type: "web" }),
      "invalid_redirect_uri",
    );
  });

  it.each([
    ["an unknown application_type", { application_type: "desktop" }],
    ["application_type not a string", { application_type: ["native"] }],
  ])("%s: 400 invalid_client_metadata", async (_name, extra) => {
    await expectRejected(
      await register({ redirect_uris: ["https://a.example/cb"], ...extra }),
      "invalid_client_metadata",
    );
  });

  it.each([
    ["http on a public host", ["http://a.example/bye"]],
    ["a fragment", ["https://a.example/bye#x"]],
    ["not an array", "https://a.example/bye"],
  ])("post_logout_redirect_uris with %s: 400 invalid_client_metadata", async (_name, uris) => {
    await expectRejected(
      await register({ redirect_uris: ["https://a.example/cb"], post_logout_redirect_uris: uris }),
      "invalid_client_metadata",
    );
  });
});

describe("POST /register: other metadata", () => {
  const ok = { redirect_uris: ["https://a.example/cb"] };
  it.each([
    [
      "token_endpoint_auth_method private_key_jwt without jwks or jwks_uri",
      { token_endpoint_auth_method: "private_key_jwt" },
    ],
    ["token_endpoint_auth_method not a string", { token_endpoint_auth_method: 1 }],
    ["grant_types implicit", { grant_types: ["implicit"] }],
    [
      "grant_types client_credentials for a public client (RFC 6749 §4.4)",
      { grant_types: ["client_credentials"], token_endpoint_auth_method: "none" },
    ],
    [
      "response_types code without authorization_code (RFC 7591 §2.1)",
      { grant_types: ["client_credentials"], response_types: ["code"] },
    ],
    ["grant_types password", { grant_types: ["password"] }],
    [
      "grant_types refresh_token without authorization_code (RFC 7591 §2.1 inconsistency)",
      { grant_types: ["refresh_token"] },
    ],
    ["grant_types empty", { grant_types: [] }],
    ["grant_types a string", { grant_types: "authorization_code" }],
    ["response_types token (implicit)", { response_types: ["token"] }],
    ["response_types hybrid", { response_types: ["code id_token"] }],
    ["response_types code plus token", { response_types: ["code", "token"] }],
    ["client_name too long", { client_name: "x".repeat(201) }],
    ["client_name empty", { client_name: "  " }],
    ["client_name not a string", { client_name: ["x"] }],
    ["client_name with a bidi override (consent-screen spoofing)", { client_name: "Bank\u202Eelpmaxe" }],
    ["client_name with a newline", { client_name: "Bank\nOfficial" }],
    ["logo_uri over http", { logo_uri: "http://a.example/logo.png" }],
    ["logo_uri javascript:", { logo_uri: "javascript:alert(1)" }],
    ["logo_uri not a URL", { logo_uri: "logo.png" }],
    ["id_token_signed_response_alg none (unsigned ID tokens)", { id_token_signed_response_alg: "none" }],
    ["id_token_signed_response_alg HS256", { id_token_signed_response_alg: "HS256" }],
    ["first_party as a string", { first_party: "true" }],
  ])("%s: 400 invalid_client_metadata", async (_name, extra) => {
    await expectRejected(await register({ ...ok, ...extra }), "invalid_client_metadata");
  });
});

describe("parseClientMetadata (pure)", () => {
  it("code interception over http: on an https issuer a web client may not register an http loopback redirect; a native app may (RFC 9700 §2.6, RFC 8252 §7.3)", () => {
    for (const uri of ["http://127.0.0.1:8080/cb", "http://[::1]/cb", "http://localhost:3000/cb"]) {
      const web = parseClientMetadata({ redirect_uris: [uri] }, { insecureDev: false });
      expect(web, uri).toMatchObject({ ok: false, error: "invalid_redirect_uri" });
      expect(
        parseClientMetadata({ redirect_uris: [uri], application_type: "native" }, { insecureDev: false }),
        uri,
      ).toMatchObject({ ok: true, metadata: { application_type: "native" } });
      // On a localhost issuer (development) a web client keeps it, matched exactly.
      expect(parseClientMetadata({ redirect_uris: [uri] }, { insecureDev: true }), uri).toMatchObject({
        ok: true,
        metadata: { application_type: "web" },
      });
    }
    // Claimed https URIs are fine for both (RFC 8252 §7.2).
    expect(
      parseClientMetadata(
        { redirect_uris: ["https://app.example/cb"], application_type: "native" },
        { insecureDev: false },
      ),
    ).toMatchObject({ ok: true });
  });

  it("dedupes repeated values and keeps redirect URIs byte for byte (exact matching later)", () => {
    const r = parseClientMetadata(
      {
        redirect_uris: ["https://A.example/cb?x=1", "https://A.example/cb?x=1"],
        grant_types: ["authorization_code", "authorization_code"],
      },
      { insecureDev: false },
    );
    expect(r).toMatchObject({
      ok: true,
      metadata: { redirect_uris: ["https://A.example/cb?x=1"], grant_types: ["authorization_code"] },
    });
  });

  it("reports which URI is wrong", () => {
    const r = parseClientMetadata(
      { redirect_uris: ["https://ok.example/cb", "http://bad.example/cb"] },
      { insecureDev: false },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.description).toContain("http://bad.example/cb");
  });
});
