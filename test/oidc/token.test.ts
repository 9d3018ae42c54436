import { SELF } from "cloudflare:test";
import { decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { INVALID_GRANT_DESCRIPTION } from "../../src/oidc/grant-refusal";
import { userWithPasskey } from "../helpers/accounts";
import { adminCall } from "../helpers/admin-api";
import { ORIGIN, type TestBrowser } from "../helpers/browser";
import {
  authorizeCode,
  exchangeCode,
  expectTokens,
  ISSUER,
  refresh,
  registerClient,
  sha256b64url,
  type TestClient,
  tokenRequest,
  userIdOf,
  userinfo,
  userStub,
  verifyJwt,
} from "../helpers/oidc-client";

let browser: TestBrowser;
let email: string;

beforeAll(async () => {
  ({ browser, email } = await userWithPasskey());
});

async function expectOAuthError(res: Response, status: number, error: string): Promise<Record<string, string>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.headers.get("cache-control")).toBe("no-store");
  const body = (await res.json()) as Record<string, string>;
  expect(body.error).toBe(error);
  return body;
}

/** A resource server registered through the admin API with a grant for `client`; returns its identifier. */
async function registeredApi(client: TestClient): Promise<string> {
  const identifier = `https://api-${crypto.randomUUID().slice(0, 8)}.example/`;
  const created = await adminCall("POST", "/resources", { identifier, name: "Test API" });
  expect(created.status).toBe(201);
  const id = (created.body as { id: string }).id;
  expect((await adminCall("PUT", `/clients/${client.client_id}/grants/${id}`, { scopes: [] })).status).toBe(200);
  return identifier;
}

/** Runs `fn` and returns the structured invalid_grant lines the token endpoint logged meanwhile. */
async function loggedRefusals(fn: () => Promise<void>): Promise<Record<string, string>[]> {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    await fn();
    return warn.mock.calls
      .map((args) =>
        typeof args[0] === "string" && args[0].startsWith("{") ? (JSON.parse(args[0]) as Record<string, string>) : null,
      )
      .filter((line): line is Record<string, string> => line?.event === "grant_refused");
  } finally {
    warn.mockRestore();
  }
}

describe("token: authorization_code grant succeeds for each client authentication method (RFC 6749 §2.3, §4.1.3)", () => {
  it("client_secret_basic with PKCE", async () => {
    const client = await registerClient({ token_endpoint_auth_method: "client_secret_basic", first_party: true });
    const auth = await authorizeCode(browser, client);
    const tokens = await expectTokens(await exchangeCode(client, auth));
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.refresh_token).toBeTruthy();
  });

  it("client_secret_basic without PKCE (a confidential client may omit it)", async () => {
    const client = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    const auth = await authorizeCode(browser, client, { pkce: null });
    await expectTokens(await exchangeCode(client, auth));
  });

  it("client_secret_post", async () => {
    const client = await registerClient({ token_endpoint_auth_method: "client_secret_post" });
    const auth = await authorizeCode(browser, client);
    await expectTokens(await exchangeCode(client, auth));
  });

  it("none + PKCE for a public client, with Pragma no-cache too (RFC 6749 §5.1)", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    const res = await exchangeCode(client, auth);
    expect(res.headers.get("pragma")).toBe("no-cache");
    await expectTokens(res);
  });
});

describe("token: what the tokens say", () => {
  let client: TestClient;
  beforeAll(async () => {
    client = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
  });

  it("the ID token verifies against /jwks.json and carries iss sub aud exp iat auth_time nonce amr acr azp sid at_hash, and email with the email scope", async () => {
    const before = Math.floor(Date.now() / 1000);
    const auth = await authorizeCode(browser, client, { scope: "openid email", nonce: "nonce-123" });
    const tokens = await expectTokens(await exchangeCode(client, auth));
    expect(tokens.expires_in).toBeGreaterThan(0);
    // OIDC Registration 1.0 §2: registered without id_token_signed_response_alg, the client gets RS256.
    const { payload, protectedHeader } = await verifyJwt(tokens.id_token!, {
      audience: client.client_id,
      algorithms: ["RS256"],
    });
    expect(protectedHeader).toMatchObject({ alg: "RS256", typ: "JWT" });
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload.iss).toBe(ISSUER);
    expect(payload.sub).toBe(userIdOf(browser));
    expect(payload.aud).toBe(client.client_id);
    expect(payload.azp).toBe(client.client_id);
    expect(payload.nonce).toBe("nonce-123");
    expect(payload.iat).toBeGreaterThanOrEqual(before - 1);
    expect(payload.exp).toBeGreaterThan(payload.iat!);
    expect(payload.auth_time).toBeLessThanOrEqual(payload.iat!);
    // RFC 8176 §2: a passkey (proof of possession, user presence) with user verification; nothing about its hardware.
    expect(payload.amr).toEqual(["pop", "user", "mfa"]);
    expect(payload.acr).toBe("passkey-uv");
    expect(typeof payload.sid).toBe("string");
    expect(payload.email).toBe(email);
    expect(payload.email_verified).toBe(true);
    // OIDC Core §3.1.3.6: at_hash is the left half of SHA-256 of the access token, base64url.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tokens.access_token)));
    let bin = "";
    for (const b of digest.slice(0, 16)) bin += String.fromCharCode(b);
    expect(payload.at_hash).toBe(btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
  });

  it("without the email scope the ID token has no email", async () => {
    const auth = await authorizeCode(browser, client, { scope: "openid" });
    const tokens = await expectTokens(await exchangeCode(client, auth));
    const { payload } = await verifyJwt(tokens.id_token!, { audience: client.client_id });
    expect(payload.email).toBeUndefined();
    expect(payload.email_verified).toBeUndefined();
    expect(tokens.scope).toBe("openid");
  });

  it("the access token is an RFC 9068 JWT: typ at+jwt, client_id, scope, aud = issuer", async () => {
    const auth = await authorizeCode(browser, client, { scope: "openid email" });
    const tokens = await expectTokens(await exchangeCode(client, auth));
    const { payload, protectedHeader } = await verifyJwt(tokens.access_token, { typ: "at+jwt", audience: ISSUER });
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload).toMatchObject({
      iss: ISSUER,
      sub: userIdOf(browser),
      aud: ISSUER,
      client_id: client.client_id,
      scope: "openid email",
    });
    expect(typeof payload.jti).toBe("string");
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
  });

  it("a resource indicator becomes the access token audience (RFC 8707 §2.2); a fragment or an unserved resource is refused", async () => {
    const api = await registeredApi(client);
    const auth = await authorizeCode(browser, client, { extra: { resource: api } });
    const tokens = await expectTokens(await exchangeCode(client, auth, { resource: api }));
    const { payload } = await verifyJwt(tokens.access_token, { typ: "at+jwt", audience: api });
    expect(payload.aud).toBe(api);
    const auth2 = await authorizeCode(browser, client, { extra: { resource: api } });
    await expectOAuthError(await exchangeCode(client, auth2, { resource: `${api}#frag` }), 400, "invalid_target");
    // Audience forgery: a client cannot mint tokens for an API this deployment does not serve.
    const auth3 = await authorizeCode(browser, client);
    await expectOAuthError(
      await exchangeCode(client, auth3, { resource: "https://api.bank.example/" }),
      400,
      "invalid_target",
    );
  });

  it("userinfo refuses an access token addressed to another resource (RFC 9068 §4 aud)", async () => {
    const api = await registeredApi(client);
    const auth = await authorizeCode(browser, client, { extra: { resource: api } });
    const tokens = await expectTokens(await exchangeCode(client, auth));
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it("a client registered with id_token_signed_response_alg RS256 gets an RS256 ID token", async () => {
    const rs = await registerClient({ id_token_signed_response_alg: "RS256" });
    const auth = await authorizeCode(browser, rs);
    const tokens = await expectTokens(await exchangeCode(rs, auth));
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe("RS256");
    const { payload } = await verifyJwt(tokens.id_token!, { audience: rs.client_id, algorithms: ["RS256"] });
    expect(payload.sub).toBe(userIdOf(browser));
    // The access token keeps the provider's ES256 key.
    expect(decodeProtectedHeader(tokens.access_token).alg).toBe("ES256");
  });

  it("a client without the refresh_token grant gets no refresh token and may not refresh (RFC 6749 §5.2 unauthorized_client)", async () => {
    const codeOnly = await registerClient({ grant_types: ["authorization_code"] });
    const auth = await authorizeCode(browser, codeOnly);
    const tokens = await expectTokens(await exchangeCode(codeOnly, auth));
    expect(tokens.refresh_token).toBeUndefined();
    const full = await registerClient();
    const other = await expectTokens(await exchangeCode(full, await authorizeCode(browser, full)));
    await expectOAuthError(await refresh(codeOnly, other.refresh_token!), 400, "unauthorized_client");
  });
});

describe("token: code attacks (RFC 6749 §4.1.3, §10.5, RFC 7636 §4.6)", () => {
  it("code replay: the second use gets invalid_grant and revokes the refresh and access tokens of the first (RFC 6749 §4.1.2)", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    const first = await expectTokens(await exchangeCode(client, auth));
    expect((await userinfo(first.access_token)).status).toBe(200);
    await expectOAuthError(await exchangeCode(client, auth), 400, "invalid_grant");
    await expectOAuthError(await refresh(client, first.refresh_token!), 400, "invalid_grant");
    const ui = await userinfo(first.access_token);
    expect(ui.status).toBe(401);
    expect(ui.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("stolen code without the verifier: a wrong code_verifier gets invalid_grant, and the code is spent", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    await expectOAuthError(await exchangeCode(client, auth, { code_verifier: "w".repeat(43) }), 400, "invalid_grant");
    // RFC 6749 §4.1.2: a code is single use; the real verifier afterwards does not revive it.
    await expectOAuthError(await exchangeCode(client, auth), 400, "invalid_grant");
  });

  it("PKCE downgrade: a missing code_verifier when a challenge was used gets invalid_grant", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    const logged = await loggedRefusals(async () => {
      const body = await expectOAuthError(
        await exchangeCode(client, auth, { code_verifier: null }),
        400,
        "invalid_grant",
      );
      expect(body.error_description).toBe(INVALID_GRANT_DESCRIPTION);
    });
    expect(logged).toEqual([
      expect.objectContaining({
        grantType: "authorization_code",
        reason: "mismatch",
        detail: "code_verifier is required",
        clientId: client.client_id,
      }),
    ]);
  });

  it("PKCE injection: a code_verifier for a code issued without a challenge gets invalid_grant", async () => {
    const client = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    const auth = await authorizeCode(browser, client, { pkce: null });
    await expectOAuthError(await exchangeCode(client, auth, { code_verifier: "v".repeat(43) }), 400, "invalid_grant");
  });

  it("redirect_uri mismatch at the token endpoint gets invalid_grant", async () => {
    const client = await registerClient({ redirect_uris: ["https://rp.example/cb", "https://rp.example/cb2"] });
    const auth = await authorizeCode(browser, client);
    await expectOAuthError(
      await exchangeCode(client, auth, { redirect_uri: "https://rp.example/cb2" }),
      400,
      "invalid_grant",
    );
    const auth2 = await authorizeCode(browser, client);
    await expectOAuthError(await exchangeCode(client, auth2, { redirect_uri: null }), 400, "invalid_grant");
  });

  it("code injection across clients: a code issued to client A redeemed by client B gets invalid_grant", async () => {
    const a = await registerClient();
    const b = await registerClient();
    const auth = await authorizeCode(browser, a);
    await expectOAuthError(await exchangeCode(b, auth), 400, "invalid_grant");
  });

  it("expired code: redeemed 61 s after issue it is refused (the user's DO with `now` advanced)", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    const [userId, secret] = auth.code.split(".") as [string, string];
    const result = await userStub(userId).redeemCode(
      await sha256b64url(secret),
      { clientId: client.client_id, redirectUri: client.redirect_uris[0]!, verifierChallenge: auth.pkce!.challenge },
      {
        familyId: `test-family-${crypto.randomUUID()}`,
        refreshHash: null,
        refreshExpiresAt: Date.now() + 3_600_000,
        grantExpiresAt: Date.now() + 3_600_000,
      },
      Date.now() + 61_000,
    );
    expect(result).toMatchObject({ ok: false, reason: "expired" });
  });

  it("expired code over HTTP: a stored code past its expiry gets invalid_grant", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    const userId = userIdOf(browser);
    // A second code for the same grant, stored already expired.
    const secret = "e".repeat(43);
    const stub = userStub(userId);
    await stub.storeCode(
      await sha256b64url(secret),
      {
        userId,
        clientId: client.client_id,
        redirectUri: client.redirect_uris[0]!,
        redirectUriSent: true,
        scope: "openid",
        nonce: null,
        codeChallenge: auth.pkce!.challenge,
        sid: "sid",
        authTime: Date.now(),
        amr: ["hwk"],
        claims: { email, email_verified: true, name: null },
      },
      Date.now() - 1,
    );
    const logged = await loggedRefusals(async () => {
      const body = await expectOAuthError(
        await exchangeCode(client, { ...auth, code: `${userId}.${secret}` }),
        400,
        "invalid_grant",
      );
      expect(body.error_description).toBe(INVALID_GRANT_DESCRIPTION);
    });
    expect(logged).toEqual([expect.objectContaining({ reason: "expired" })]);
  });

  it("forged codes (garbage, another user's prefix) get invalid_grant, never 5xx", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    for (const code of [
      "garbage",
      "",
      `${"A".repeat(20)}.${"B".repeat(43)}`,
      `${userIdOf(browser)}.${"C".repeat(43)}`,
    ]) {
      const res = await exchangeCode(client, { ...auth, code });
      expect(res.status).toBe(400);
      expect(["invalid_grant", "invalid_request"]).toContain(((await res.json()) as { error: string }).error);
    }
  });
});

describe("token: refusals are no oracle (RFC 6749 §5.2)", () => {
  it("grant-state oracle: replayed, mismatched, another client's and unknown codes, and reused, foreign and revoked refresh tokens all get one fixed error_description; the reason is only logged", async () => {
    const client = await registerClient();
    const other = await registerClient();
    const bodies: Record<string, string>[] = [];
    const logged = await loggedRefusals(async () => {
      const collect = async (res: Response) => void bodies.push(await expectOAuthError(res, 400, "invalid_grant"));
      const auth = await authorizeCode(browser, client);
      const tokens = await expectTokens(await exchangeCode(client, auth));
      await collect(await exchangeCode(client, auth)); // replayed
      await collect(
        await exchangeCode(client, await authorizeCode(browser, client), { code_verifier: "w".repeat(43) }),
      ); // PKCE mismatch
      await collect(await exchangeCode(other, await authorizeCode(browser, client))); // another client's code
      await collect(await exchangeCode(client, { ...auth, code: `${userIdOf(browser)}.${"C".repeat(43)}` })); // unknown
      await collect(await exchangeCode(client, { ...auth, code: "garbage" })); // malformed
      const fresh = await expectTokens(await exchangeCode(client, await authorizeCode(browser, client)));
      await collect(await refresh(other, fresh.refresh_token!)); // another client's refresh token
      const rotated = await expectTokens(await refresh(client, fresh.refresh_token!));
      await collect(await refresh(client, fresh.refresh_token!)); // reused: revokes the family
      await collect(await refresh(client, rotated.refresh_token!)); // revoked
      await collect(await refresh(client, tokens.refresh_token!)); // revoked by the code replay
    });
    expect(new Set(bodies.map((b) => JSON.stringify(b)))).toEqual(
      new Set([JSON.stringify({ error: "invalid_grant", error_description: INVALID_GRANT_DESCRIPTION })]),
    );
    expect(logged.map((l) => `${l.grantType}:${l.reason}`)).toEqual([
      "authorization_code:replayed",
      "authorization_code:mismatch",
      "authorization_code:mismatch",
      "authorization_code:invalid",
      "authorization_code:malformed",
      "refresh_token:client_mismatch",
      "refresh_token:reused",
      "refresh_token:revoked",
      "refresh_token:revoked",
    ]);
    expect(logged[2]).toMatchObject({ detail: "code was issued to another client", clientId: other.client_id });
  });
});

describe("token: client and request errors", () => {
  it("wrong client secret: 401 invalid_client with WWW-Authenticate (RFC 6749 §5.2)", async () => {
    const client = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    const auth = await authorizeCode(browser, client);
    const res = await tokenRequest(
      client,
      {
        grant_type: "authorization_code",
        code: auth.code,
        redirect_uri: client.redirect_uris[0]!,
        code_verifier: auth.pkce!.verifier,
      },
      { secret: "not-the-secret" },
    );
    await expectOAuthError(res, 401, "invalid_client");
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic /);
    // The failed attempt did not spend the code.
    await expectTokens(await exchangeCode(client, auth));
  });

  it("unsupported grant_type (password, device_code) gets unsupported_grant_type", async () => {
    const client = await registerClient();
    for (const grant_type of ["password", "urn:ietf:params:oauth:grant-type:device_code"]) {
      await expectOAuthError(
        await tokenRequest(client, { grant_type, username: "a", password: "b" }),
        400,
        "unsupported_grant_type",
      );
    }
    await expectOAuthError(await tokenRequest(client, {}), 400, "invalid_request");
  });

  it("malformed bodies get a 4xx OAuth JSON error with no-store, never 5xx", async () => {
    const client = await registerClient();
    const post = (body: BodyInit, type?: string) =>
      SELF.fetch(`${ORIGIN}/token`, { method: "POST", body, headers: type ? { "content-type": type } : {} });
    // JSON instead of a form (RFC 6749 §3.2: application/x-www-form-urlencoded).
    await expectOAuthError(
      await post(JSON.stringify({ grant_type: "authorization_code", client_id: client.client_id }), "application/json"),
      400,
      "invalid_request",
    );
    // No content type at all.
    await expectOAuthError(await post("grant_type=authorization_code"), 400, "invalid_request");
    // Oversized body.
    await expectOAuthError(
      await post(
        `client_id=${client.client_id}&grant_type=authorization_code&code=${"x".repeat(64 * 1024)}`,
        "application/x-www-form-urlencoded",
      ),
      413,
      "invalid_request",
    );
    // Not UTF-8.
    await expectOAuthError(
      await post(
        new Uint8Array([0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f, 0x69, 0x64, 0x3d, 0xff, 0xfe]),
        "application/x-www-form-urlencoded",
      ),
      400,
      "invalid_request",
    );
    // Repeated parameter (RFC 6749 §3.2).
    await expectOAuthError(
      await post(
        `client_id=${client.client_id}&grant_type=authorization_code&grant_type=refresh_token`,
        "application/x-www-form-urlencoded",
      ),
      400,
      "invalid_request",
    );
    // Broken percent-encoding and binary junk.
    const junk = await post("%%%&&&===%zz\u0000", "application/x-www-form-urlencoded");
    expect(junk.status).toBeGreaterThanOrEqual(400);
    expect(junk.status).toBeLessThan(500);
    expect(junk.headers.get("cache-control")).toBe("no-store");
  });
});
