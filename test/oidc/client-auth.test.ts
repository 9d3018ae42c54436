/** Client authentication (RFC 6749 §2.3) for clients registered through POST /register, against the real local D1. */
import { env, SELF } from "cloudflare:test";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/app-types";
import { type Env, getConfig } from "../../src/config";
import { errorResponse } from "../../src/errors";
import { readForm } from "../../src/lib/body";
import { sha256b64url } from "../../src/lib/crypto";
import type { TokenEndpointAuthMethod } from "../../src/oidc/capabilities";
import { authenticateClient, presentedCredentials } from "../../src/oidc/client-auth";
import { type ClientRecord, ensureClient } from "../../src/oidc/clients";

const E = env as unknown as Env;

/** A token endpoint reduced to client authentication: the same middleware, body parser and error map as the app. */
const endpoint = new Hono<AppEnv>();
endpoint.use("*", async (c, next) => {
  c.set("config", getConfig(c.env));
  await next();
});
endpoint.post("/token", async (c) => {
  const client = await authenticateClient(c, await readForm(c));
  return c.json({ client_id: client.id });
});
endpoint.onError((err) => errorResponse(err));

function call(form: Record<string, string>, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (authorization !== undefined) headers.Authorization = authorization;
  return Promise.resolve(
    endpoint.request(
      "http://localhost:8787/token",
      { method: "POST", headers, body: new URLSearchParams({ grant_type: "authorization_code", ...form }).toString() },
      E,
    ),
  );
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined by ":" and base64-encoded. */
function basic(id: string, secret: string): string {
  const enc = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
  const bytes = new TextEncoder().encode(`${enc(id)}:${enc(secret)}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

async function registerClient(method: TokenEndpointAuthMethod): Promise<{ id: string; secret: string }> {
  const res = await SELF.fetch("http://localhost:8787/register", {
    method: "POST",
    headers: { Authorization: "Bearer test-admin-token-0123456789", "Content-Type": "application/json" },
    body: JSON.stringify({ redirect_uris: ["https://rp.example/cb"], token_endpoint_auth_method: method }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { client_id: string; client_secret?: string };
  return { id: body.client_id, secret: body.client_secret ?? "" };
}

async function expectOk(res: Response, clientId: string) {
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ client_id: clientId });
}

async function expectInvalidClient(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toMatch(/^Basic /);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(((await res.json()) as { error: string }).error).toBe("invalid_client");
}

async function expectInvalidRequest(res: Response) {
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
}

let basicClient: { id: string; secret: string };
let postClient: { id: string; secret: string };
let publicClient: { id: string; secret: string };

beforeAll(async () => {
  basicClient = await registerClient("client_secret_basic");
  postClient = await registerClient("client_secret_post");
  publicClient = await registerClient("none");
});

describe("successful authentication", () => {
  it("client_secret_basic", async () => {
    await expectOk(await call({}, basic(basicClient.id, basicClient.secret)), basicClient.id);
  });

  it("client_secret_basic with the same client_id repeated in the body", async () => {
    await expectOk(
      await call({ client_id: basicClient.id }, basic(basicClient.id, basicClient.secret)),
      basicClient.id,
    );
  });

  it("client_secret_basic form-decodes id and secret (RFC 6749 §2.3.1)", async () => {
    const secret = "s p+c:é/%";
    const record: ClientRecord = {
      id: "odd id:ü",
      secretHash: await sha256b64url(secret),
      name: "Odd",
      logoUri: null,
      redirectUris: ["https://rp.example/cb"],
      postLogoutRedirectUris: [],
      grantTypes: ["authorization_code"],
      responseTypes: ["code"],
      tokenEndpointAuthMethod: "client_secret_basic",
      idTokenSignedResponseAlg: "ES256",
      firstParty: false,
      applicationType: "web",
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      jwks: null,
      jwksUri: null,
      tokenEndpointAuthSigningAlg: null,
      secretEnc: null,
      connections: null,
    };
    await ensureClient(E, record);
    await expectOk(await call({}, basic(record.id, secret)), record.id);
    // A secret sent without form-encoding is a different secret: "+" decodes to a space.
    await ensureClient(E, { ...record, id: "plus-client", secretHash: await sha256b64url("a+b") });
    await expectOk(await call({}, basic("plus-client", "a+b")), "plus-client");
    await expectInvalidClient(await call({}, `Basic ${btoa("plus-client:a+b")}`));
  });

  it("client_secret_post", async () => {
    await expectOk(await call({ client_id: postClient.id, client_secret: postClient.secret }), postClient.id);
  });

  it("none, for a public client", async () => {
    await expectOk(await call({ client_id: publicClient.id }), publicClient.id);
  });
});

describe("failed authentication", () => {
  it("wrong secret over Basic: 401 invalid_client", async () => {
    await expectInvalidClient(await call({}, basic(basicClient.id, `${basicClient.secret}x`)));
  });

  it("wrong secret over POST: 401 invalid_client", async () => {
    await expectInvalidClient(await call({ client_id: postClient.id, client_secret: postClient.secret.slice(0, -1) }));
  });

  it("stolen database row: the stored hash does not work as the secret", async () => {
    await expectInvalidClient(await call({}, basic(basicClient.id, await sha256b64url(basicClient.secret))));
  });

  it("unknown client: 401 invalid_client", async () => {
    await expectInvalidClient(await call({}, basic("no-such-client", "whatever")));
    await expectInvalidClient(await call({ client_id: "no-such-client" }));
  });

  it("downgrade: a confidential client sending only its client_id (method none) is refused", async () => {
    await expectInvalidClient(await call({ client_id: basicClient.id }));
    await expectInvalidClient(await call({ client_id: postClient.id }));
  });

  it("method confusion: each client must use the method it registered", async () => {
    await expectInvalidClient(await call({ client_id: basicClient.id, client_secret: basicClient.secret }));
    await expectInvalidClient(await call({}, basic(postClient.id, postClient.secret)));
  });

  it("a public client presenting a secret is refused (it registered none)", async () => {
    await expectInvalidClient(await call({ client_id: publicClient.id, client_secret: "guess" }));
    await expectInvalidClient(await call({}, basic(publicClient.id, "")));
  });

  it("no client identification at all: 401 invalid_client", async () => {
    await expectInvalidClient(await call({}));
  });

  it.each([
    ["not base64", "Basic %%%"],
    ["no colon", `Basic ${btoa("just-an-id")}`],
    ["empty id", `Basic ${btoa(":secret")}`],
    ["bad percent-encoding", `Basic ${btoa("id%zz:secret")}`],
    ["another scheme", "Bearer abc"],
  ])("malformed Authorization header (%s): 401 invalid_client", async (_name, header) => {
    await expectInvalidClient(await call({}, header));
  });

  it("two methods in one request (Basic and client_secret): 400 invalid_request (RFC 6749 §2.3, §5.2)", async () => {
    await expectInvalidRequest(
      await call({ client_secret: basicClient.secret }, basic(basicClient.id, basicClient.secret)),
    );
  });

  it("client_id in the body naming another client than the Basic header: 400 invalid_request", async () => {
    await expectInvalidRequest(await call({ client_id: postClient.id }, basic(basicClient.id, basicClient.secret)));
  });
});

describe("presentedCredentials (pure): which one method a token request uses (RFC 6749 §2.3)", () => {
  const form = (entries: Record<string, string>) => new Map(Object.entries(entries));
  const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;
  const code = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return "accepted";
  };

  it("Basic, body secret and public client each map to their method", () => {
    expect(presentedCredentials(basic("app", "s3"), form({}))).toEqual({
      method: "client_secret_basic",
      clientId: "app",
      secret: "s3",
    });
    expect(presentedCredentials(undefined, form({ client_id: "app", client_secret: "s3" }))).toEqual({
      method: "client_secret_post",
      clientId: "app",
      secret: "s3",
    });
    expect(presentedCredentials(undefined, form({ client_id: "app" }))).toEqual({
      method: "none",
      clientId: "app",
      secret: null,
    });
  });

  it("RFC 6749 §2.3.1: Basic id and secret are form-decoded", () => {
    expect(presentedCredentials(basic("my%20app", "a%2Bb+c"), form({}))).toMatchObject({
      clientId: "my app",
      secret: "a+b c",
    });
  });

  it("two methods in one request are invalid_request (RFC 6749 §2.3)", () => {
    expect(code(() => presentedCredentials(basic("app", "s3"), form({ client_secret: "s3" })))).toBe("invalid_request");
    expect(code(() => presentedCredentials(basic("app", "s3"), form({ client_id: "other" })))).toBe("invalid_request");
  });

  it("another scheme, malformed Basic or no client at all is invalid_client (RFC 6749 §5.2)", () => {
    for (const header of ["Bearer abc", "Basic !!!", `Basic ${btoa("no-colon")}`, `Basic ${btoa(":secret")}`]) {
      expect(
        code(() => presentedCredentials(header, form({}))),
        header,
      ).toBe("invalid_client");
    }
    expect(code(() => presentedCredentials(undefined, form({})))).toBe("invalid_client");
  });
});
