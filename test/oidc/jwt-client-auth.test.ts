/**
 * JWT client authentication (RFC 7523, OIDC Core §9) at /token and /revoke, through the whole Worker: oauth4webapi as
 * the relying party with PrivateKeyJwt and ClientSecretJwt, then hand-made assertions for each refusal.
 */
import { SELF } from "cloudflare:test";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { beforeAll, describe, expect, it } from "vitest";
import { JWT_BEARER_ASSERTION_TYPE } from "../../src/oidc/capabilities";
import { signUp } from "../helpers/accounts";
import { ORIGIN, type TestBrowser } from "../helpers/browser";
import {
  authorizeCode,
  consentTo,
  ISSUER,
  REDIRECT_URI,
  registerClient,
  type TestClient,
} from "../helpers/oidc-client";

const fetchSelf: typeof fetch = (input, init) => SELF.fetch(input as RequestInfo, init);
const httpOptions = { [oauth.customFetch]: fetchSelf, [oauth.allowInsecureRequests]: true };

let browser: TestBrowser;
let as: oauth.AuthorizationServer;
let signingKey: CryptoKey;
let publicJwk: JWK;

beforeAll(async () => {
  ({ browser } = await signUp());
  const discovery = await oauth.discoveryRequest(new URL(ISSUER), httpOptions);
  as = await oauth.processDiscoveryResponse(new URL(ISSUER), discovery);
  const pair = await generateKeyPair("ES256");
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", use: "sig" };
});

/** An authorization code for `client` as oauth4webapi's validated callback parameters. */
async function callback(client: TestClient): Promise<{ params: URLSearchParams; verifier: string; nonce: string }> {
  await consentTo(browser, client, ["offline_access"]);
  const auth = await authorizeCode(browser, client, { scope: "openid email offline_access" });
  const url = new URL(`${REDIRECT_URI}?${new URLSearchParams(auth.params)}`);
  const params = oauth.validateAuthResponse(as, { client_id: client.client_id }, url, auth.state);
  return { params, verifier: auth.pkce!.verifier, nonce: auth.nonce };
}

/** Code → tokens → refreshed tokens → revoked refresh token, all authenticated with `clientAuth`. */
async function fullRoundTrip(client: TestClient, clientAuth: oauth.ClientAuth): Promise<void> {
  const rp = { client_id: client.client_id };
  const { params, verifier, nonce } = await callback(client);
  const codeRes = await oauth.authorizationCodeGrantRequest(
    as,
    rp,
    clientAuth,
    params,
    REDIRECT_URI,
    verifier,
    httpOptions,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, rp, codeRes, { expectedNonce: nonce });
  expect(tokens.refresh_token).toBeTruthy();
  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    rp,
    await oauth.refreshTokenGrantRequest(as, rp, clientAuth, tokens.refresh_token!, httpOptions),
  );
  expect(refreshed.access_token).toBeTruthy();
  const revoked = await oauth.revocationRequest(as, rp, clientAuth, refreshed.refresh_token!, httpOptions);
  await oauth.processRevocationResponse(revoked);
  // RFC 7009 §2.1: the whole family is gone.
  const after = await oauth.refreshTokenGrantRequest(as, rp, clientAuth, refreshed.refresh_token!, httpOptions);
  expect(after.status).toBe(400);
}

describe("oauth4webapi as the relying party", () => {
  it("private_key_jwt (ES256, inline jwks): code, refresh and revocation", async () => {
    const client = await registerClient({
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "ES256",
      jwks: { keys: [publicJwk] },
    });
    // OIDC Core §9: a private_key_jwt client has no secret.
    expect(client.client_secret).toBeUndefined();
    expect(client).toMatchObject({ jwks: { keys: [publicJwk] }, token_endpoint_auth_signing_alg: "ES256" });
    await fullRoundTrip(client, oauth.PrivateKeyJwt({ key: signingKey, kid: "k1" }));
  });

  it("client_secret_jwt (HS256): code, refresh and revocation", async () => {
    const client = await registerClient({ token_endpoint_auth_method: "client_secret_jwt" });
    expect(client.client_secret).toBeTruthy();
    await fullRoundTrip(client, oauth.ClientSecretJwt(client.client_secret!));
  });
});

/** A signed assertion for `clientId` with the given claims over the defaults (undefined removes one). */
async function assertion(
  clientId: string,
  key: CryptoKey | Uint8Array,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = { alg: "ES256", kid: "k1" },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: clientId,
    sub: clientId,
    aud: ISSUER,
    exp: now + 60,
    iat: now,
    jti: crypto.randomUUID(),
    ...claims,
  };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);
}

/**
 * /token with a refresh token that does not exist: authentication runs first, so an accepted assertion gets
 * invalid_grant (400) and a refused one invalid_client (401).
 */
async function tokenWith(jwt: string, extra: Record<string, string> = {}, path = "/token"): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: "no-such-token",
      token: "no-such-token",
      client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
      client_assertion: jwt,
      ...extra,
    }).toString(),
  });
}

async function expectAccepted(res: Response): Promise<void> {
  const body = (await res.json()) as { error: string };
  expect(res.status, JSON.stringify(body)).toBe(400);
  expect(body.error).toBe("invalid_grant");
}

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({
    error: "invalid_client",
    error_description: "Client authentication failed.",
  });
}

describe("private_key_jwt assertions", () => {
  let client: TestClient;
  let hmacClient: TestClient;
  beforeAll(async () => {
    client = await registerClient({ token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [publicJwk] } });
    hmacClient = await registerClient({ token_endpoint_auth_method: "client_secret_jwt" });
  });

  it("accepts a good assertion, with aud the issuer, the token endpoint or an array naming one", async () => {
    await expectAccepted(await tokenWith(await assertion(client.client_id, signingKey)));
    await expectAccepted(await tokenWith(await assertion(client.client_id, signingKey, { aud: `${ISSUER}/token` })));
    const aud = ["https://other.example", ISSUER];
    await expectAccepted(await tokenWith(await assertion(client.client_id, signingKey, { aud })));
  });

  it("replayed assertion: the second use of a jti is refused (RFC 7523 §3 item 7)", async () => {
    const jwt = await assertion(client.client_id, signingKey);
    await expectAccepted(await tokenWith(jwt));
    await expectRefused(await tokenWith(jwt));
    // The same jti in a freshly signed assertion is a replay too.
    const jti = crypto.randomUUID();
    await expectAccepted(await tokenWith(await assertion(client.client_id, signingKey, { jti })));
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { jti })));
  });

  it("a refused assertion does not burn its jti", async () => {
    const jti = crypto.randomUUID();
    await expectRefused(
      await tokenWith(await assertion(client.client_id, signingKey, { jti, aud: "https://x.example" })),
    );
    await expectAccepted(await tokenWith(await assertion(client.client_id, signingKey, { jti })));
  });

  it("assertion for the wrong audience is refused (RFC 7523 §3 item 3)", async () => {
    for (const aud of ["https://evil.example/token", `${ISSUER}/userinfo`, [], undefined])
      await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { aud })));
  });

  it("an assertion for /revoke is accepted at /revoke, and refused at /token", async () => {
    const res = await tokenWith(
      await assertion(client.client_id, signingKey, { aud: `${ISSUER}/revoke` }),
      {},
      "/revoke",
    );
    expect(res.status).toBe(200);
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { aud: `${ISSUER}/revoke` })));
  });

  it("iss or sub other than the client_id is refused (RFC 7523 §3 items 1, 2)", async () => {
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { sub: "someone-else" })));
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { sub: undefined })));
    // iss names the client: another one is another (unknown or differently keyed) client.
    await expectRefused(await tokenWith(await assertion(hmacClient.client_id, signingKey, { sub: client.client_id })));
  });

  it("exp missing, past, or more than 5 minutes ahead is refused (RFC 7523 §3 item 4)", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const exp of [undefined, now - 120, now + 600, "soon"])
      await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { exp })));
  });

  it("nbf in the future, iat in the future, missing or overlong jti are refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { nbf: now + 200 })));
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { iat: now + 200 })));
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { jti: undefined })));
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { jti: "j".repeat(257) })));
  });

  it("a signature by another key, or an unknown kid, is refused", async () => {
    const other = (await generateKeyPair("ES256")).privateKey;
    await expectRefused(await tokenWith(await assertion(client.client_id, other)));
    await expectRefused(
      await tokenWith(await assertion(client.client_id, signingKey, {}, { alg: "ES256", kid: "k9" })),
    );
  });

  it("alg none is refused (RFC 8725 §3.1)", async () => {
    const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const now = Math.floor(Date.now() / 1000);
    const id = client.client_id;
    const claims = { iss: id, sub: id, aud: ISSUER, exp: now + 60, jti: crypto.randomUUID() };
    await expectRefused(await tokenWith(`${b64({ alg: "none" })}.${b64(claims)}.`));
  });

  it("HS256 with a private_key_jwt client is refused, even keyed with its public key (RFC 8725 §2.1)", async () => {
    const key = new TextEncoder().encode(JSON.stringify(publicJwk));
    await expectRefused(await tokenWith(await assertion(client.client_id, key, {}, { alg: "HS256" })));
  });

  it("an alg other than the registered token_endpoint_auth_signing_alg is refused", async () => {
    const rsa = await generateKeyPair("RS256");
    const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: "r1" };
    const pinned = await registerClient({
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "ES256",
      jwks: { keys: [publicJwk, rsaJwk] },
    });
    await expectAccepted(await tokenWith(await assertion(pinned.client_id, signingKey)));
    const rs = await assertion(pinned.client_id, rsa.privateKey, {}, { alg: "RS256", kid: "r1" });
    await expectRefused(await tokenWith(rs));
  });

  it("client_secret_jwt: an assertion keyed with another secret or signed ES256 is refused", async () => {
    const key = new TextEncoder().encode(hmacClient.client_secret!);
    await expectAccepted(await tokenWith(await assertion(hmacClient.client_id, key, {}, { alg: "HS256" })));
    const wrong = new TextEncoder().encode(`${hmacClient.client_secret}x`);
    await expectRefused(await tokenWith(await assertion(hmacClient.client_id, wrong, {}, { alg: "HS256" })));
    await expectRefused(await tokenWith(await assertion(hmacClient.client_id, signingKey)));
  });

  it("mixing an assertion with Basic or client_secret is invalid_request (RFC 6749 §2.3)", async () => {
    const jwt = await assertion(client.client_id, signingKey);
    expect((await tokenWith(jwt, { client_secret: "x" })).status).toBe(400);
    const res = await SELF.fetch(`${ORIGIN}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa("a:b")}` },
      body: new URLSearchParams({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: jwt }).toString(),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
  });

  it("client_id in the body must be the assertion's; a wrong client_assertion_type is invalid_request", async () => {
    const jwt = await assertion(client.client_id, signingKey);
    const mismatch = await tokenWith(jwt, { client_id: hmacClient.client_id });
    expect(mismatch.status).toBe(400);
    await expectAccepted(
      await tokenWith(await assertion(client.client_id, signingKey), { client_id: client.client_id }),
    );
    const badType = await tokenWith(jwt, { client_assertion_type: "urn:example:saml" });
    expect(((await badType.json()) as { error: string }).error).toBe("invalid_request");
  });

  it("an assertion from a client registered for client_secret_basic is refused, and an oversized one", async () => {
    const basic = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    await expectRefused(await tokenWith(await assertion(basic.client_id, signingKey)));
    await expectRefused(await tokenWith(await assertion(client.client_id, signingKey, { pad: "x".repeat(9000) })));
    await expectRefused(await tokenWith("not-a-jwt"));
  });
});
