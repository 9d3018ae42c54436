/**
 * Registering JWT-authenticated clients (RFC 7591 §2 jwks / jwks_uri, OIDC Registration 1.0 §2
 * token_endpoint_auth_signing_alg) at /register and on the admin API (answers checked against its OpenAPI), the
 * sealed client_secret_jwt secret, and its rotation grace.
 */
import { env, SELF } from "cloudflare:test";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { JWT_BEARER_ASSERTION_TYPE } from "../../src/oidc/capabilities";
import { clearClientCache } from "../../src/oidc/clients";
import { adminCall } from "../helpers/admin-api";
import { ORIGIN } from "../helpers/browser";
import { ADMIN_TOKEN, ISSUER, REDIRECT_URI } from "../helpers/oidc-client";

let publicJwk: JWK;
let privateJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1" };
  privateJwk = await exportJWK(pair.privateKey);
});

function register(metadata: Record<string, unknown>): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/register`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ redirect_uris: [REDIRECT_URI], ...metadata }),
  });
}

describe("POST /register: JWT client authentication metadata", () => {
  it("private_key_jwt with jwks_uri: no secret issued, the fields echoed (RFC 7591 §3.2.1)", async () => {
    const res = await register({
      token_endpoint_auth_method: "private_key_jwt",
      jwks_uri: "https://rp.example/jwks.json",
      token_endpoint_auth_signing_alg: "PS256",
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ jwks_uri: "https://rp.example/jwks.json", token_endpoint_auth_signing_alg: "PS256" });
    expect(body).not.toHaveProperty("client_secret");
    expect(body).not.toHaveProperty("jwks");
  });

  it("client_secret_jwt: the secret is stored hashed and sealed, never in clear", async () => {
    const res = await register({ token_endpoint_auth_method: "client_secret_jwt" });
    const body = (await res.json()) as { client_id: string; client_secret: string };
    const row = await env.DB.prepare("SELECT * FROM clients WHERE id = ?").bind(body.client_id).first<object>();
    expect(row).toMatchObject({ secret_enc: expect.any(String) });
    expect(JSON.stringify(row)).not.toContain(body.client_secret);
  });

  it.each([
    ["jwks and jwks_uri both (RFC 7591 §2)", { jwks: "set", jwks_uri: "https://rp.example/jwks.json" }, "jwks"],
    ["private_key_jwt without keys", {}, "jwks"],
    ["a private key in jwks", { jwks: "private" }, "jwks"],
    ["jwks without keys", { jwks: { keys: [] } }, "jwks"],
    ["jwks not an object", { jwks: ["x"] }, "jwks"],
    ["a symmetric key in jwks", { jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } }, "jwks"],
    ["more than 10 keys", { jwks: "eleven" }, "jwks"],
    ["jwks_uri over http to a public host", { jwks_uri: "http://rp.example/jwks.json" }, "jwks_uri"],
    ["jwks_uri to a private address", { jwks_uri: "https://10.0.0.1/jwks.json" }, "jwks_uri"],
    ["jwks_uri not a URL", { jwks_uri: "jwks.json" }, "jwks_uri"],
    ["HS256 for private_key_jwt (RFC 8725 §3.1)", { jwks: "set", token_endpoint_auth_signing_alg: "HS256" }, "alg"],
    ["alg none", { jwks: "set", token_endpoint_auth_signing_alg: "none" }, "alg"],
  ])("private_key_jwt with %s: 400 invalid_client_metadata", async (_name, extra: Record<string, unknown>, field) => {
    const jwks =
      extra.jwks === "set"
        ? { keys: [publicJwk] }
        : extra.jwks === "private"
          ? { keys: [{ ...privateJwk, kid: "p" }] }
          : extra.jwks === "eleven"
            ? { keys: Array.from({ length: 11 }, (_, i) => ({ ...publicJwk, kid: `k${i}` })) }
            : extra.jwks;
    const res = await register({ token_endpoint_auth_method: "private_key_jwt", ...extra, jwks });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_client_metadata");
    expect(body.error_description).toContain(field === "alg" ? "token_endpoint_auth_signing_alg" : field);
  });

  it.each([
    [
      "ES256 for client_secret_jwt",
      { token_endpoint_auth_method: "client_secret_jwt", token_endpoint_auth_signing_alg: "ES256" },
    ],
    [
      "an alg for client_secret_basic",
      { token_endpoint_auth_method: "client_secret_basic", token_endpoint_auth_signing_alg: "RS256" },
    ],
    [
      "jwks_uri for client_secret_post",
      { token_endpoint_auth_method: "client_secret_post", jwks_uri: "https://rp.example/j" },
    ],
  ])("%s: 400 invalid_client_metadata", async (_name, metadata) => {
    const res = await register(metadata);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_client_metadata");
  });
});

/** /token with a refresh token that does not exist: invalid_grant (400) means the assertion was accepted. */
async function hmacAccepted(clientId: string, secret: string): Promise<boolean> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(`${ISSUER}/token`)
    .setExpirationTime(now + 60)
    .sign(new TextEncoder().encode(secret));
  const res = await SELF.fetch(`${ORIGIN}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: "none",
      client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
      client_assertion: jwt,
    }).toString(),
  });
  expect([400, 401]).toContain(res.status);
  return res.status === 400;
}

describe("client_secret_jwt: a sealed secret that does not open", () => {
  it("is invalid_client (logged), not a 5xx", async () => {
    const res = await register({ token_endpoint_auth_method: "client_secret_jwt" });
    const { client_id: id, client_secret: secret } = (await res.json()) as { client_id: string; client_secret: string };
    const other = (await (await register({ token_endpoint_auth_method: "client_secret_jwt" })).json()) as {
      client_id: string;
    };
    // Another client's sealed secret: AES-GCM's additional data (the client id) makes it fail to open here.
    await env.DB.prepare("UPDATE clients SET secret_enc = (SELECT secret_enc FROM clients WHERE id = ?) WHERE id = ?")
      .bind(other.client_id, id)
      .run();
    clearClientCache();
    expect(await hmacAccepted(id, secret)).toBe(false);
  });
});

describe("admin API: JWT clients", () => {
  it("creates a private_key_jwt client with jwks, shows the keys, has no secret to rotate", async () => {
    const created = await adminCall("POST", "/clients", {
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "private_key_jwt",
      jwks: { keys: [publicJwk] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const info = created.body as { client_id: string; client_secret?: string };
    expect(info.client_secret).toBeUndefined();
    const read = await adminCall("GET", `/clients/${info.client_id}`);
    expect(read.body).toMatchObject({ jwks: { keys: [publicJwk] } });
    expect((await adminCall("POST", `/clients/${info.client_id}/rotate-secret`)).status).toBe(409);
    // A private_key_jwt client cannot become a secret-based one: it has no secret.
    const patched = await adminCall("PATCH", `/clients/${info.client_id}`, {
      token_endpoint_auth_method: "client_secret_basic",
      jwks: null,
    });
    expect(patched.status).toBe(422);
  });

  it("client_secret_jwt rotation: the replaced secret keys assertions during the grace period only", async () => {
    const created = await adminCall("POST", "/clients", {
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "client_secret_jwt",
    });
    const { client_id: id, client_secret: oldSecret } = created.body as { client_id: string; client_secret: string };
    expect(await hmacAccepted(id, oldSecret)).toBe(true);
    const rotated = (await adminCall("POST", `/clients/${id}/rotate-secret`)).body as { client_secret: string };
    expect(await hmacAccepted(id, rotated.client_secret)).toBe(true);
    expect(await hmacAccepted(id, oldSecret)).toBe(true);
    await env.DB.prepare("UPDATE clients SET previous_secret_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, id)
      .run();
    clearClientCache();
    expect(await hmacAccepted(id, oldSecret)).toBe(false);
    expect(await hmacAccepted(id, rotated.client_secret)).toBe(true);
    // A client_secret_basic client cannot switch to client_secret_jwt: only the hash of its secret exists.
    const basic = (await adminCall("POST", "/clients", { redirect_uris: [REDIRECT_URI] })).body as {
      client_id: string;
    };
    const res = await adminCall("PATCH", `/clients/${basic.client_id}`, {
      token_endpoint_auth_method: "client_secret_jwt",
    });
    expect(res.status).toBe(422);
  });
});
