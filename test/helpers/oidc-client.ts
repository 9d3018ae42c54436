/** Relying-party helpers for OIDC integration tests: register a client, authorize with PKCE, exchange and refresh tokens. */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, type JWTVerifyResult, jwtVerify } from "jose";
import { expect } from "vitest";
import type { Env } from "../../src/config";
import type { TokenEndpointAuthMethod } from "../../src/oidc/capabilities";
import { ORIGIN, type TestBrowser } from "./browser";

/** The bindings, typed (cloudflare:test's `env` is typed as the empty Cloudflare.Env). */
export const testEnv = env as unknown as Env;

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const ISSUER = ORIGIN;
export const REDIRECT_URI = "https://rp.example/cb";

export interface TestClient {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  client_name?: string;
}

/** Registers a client over RFC 7591. Defaults: public, first-party, code + refresh, one redirect URI. */
export async function registerClient(metadata: Record<string, unknown> = {}): Promise<TestClient> {
  const res = await SELF.fetch(`${ORIGIN}/register`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      first_party: true,
      client_name: "Test RP",
      ...metadata,
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as TestClient;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function sha256b64url(text: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** RFC 7636 §4.1/§4.2: a random verifier and its S256 challenge. */
export async function pkce(): Promise<Pkce> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  return { verifier, challenge: await sha256b64url(verifier) };
}

export interface AuthorizeOptions {
  scope?: string;
  state?: string;
  nonce?: string;
  pkce?: Pkce | null;
  redirectUri?: string | null;
  /** Extra or overriding parameters; null removes one. */
  extra?: Record<string, string | null>;
}

/** The /authorize path for a code + PKCE request (defaults: scope "openid email", state, nonce). */
export function authorizeParams(client: TestClient, opts: AuthorizeOptions = {}): URLSearchParams {
  const p: Record<string, string | null> = {
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: opts.redirectUri === undefined ? client.redirect_uris[0]! : opts.redirectUri,
    scope: opts.scope ?? "openid email",
    state: opts.state ?? `st-${crypto.randomUUID()}`,
    nonce: opts.nonce ?? `n-${crypto.randomUUID()}`,
    code_challenge: opts.pkce ? opts.pkce.challenge : null,
    code_challenge_method: opts.pkce ? "S256" : null,
    ...opts.extra,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== null) q.set(k, v);
  return q;
}

export function authorizePath(client: TestClient, opts: AuthorizeOptions = {}): string {
  return `/authorize?${authorizeParams(client, opts)}`;
}

/** Parses a redirect back to the client (Location header) into its query parameters. */
export function redirectParams(res: Response, expectedUri = REDIRECT_URI): Record<string, string> {
  expect([302, 303], `expected a redirect, got ${res.status}`).toContain(res.status);
  const location = res.headers.get("location")!;
  const url = new URL(location);
  expect(url.origin + url.pathname).toBe(expectedUri);
  return Object.fromEntries(url.searchParams);
}

export interface AuthorizeResult {
  code: string;
  state: string;
  nonce: string;
  pkce: Pkce | null;
  params: Record<string, string>;
}

/** Runs /authorize with a signed-in browser (SSO) and returns the code from the Location header. */
export async function authorizeCode(
  browser: TestBrowser,
  client: TestClient,
  opts: AuthorizeOptions = {},
): Promise<AuthorizeResult> {
  const usePkce = opts.pkce === undefined ? await pkce() : opts.pkce;
  const params = authorizeParams(client, { ...opts, pkce: usePkce });
  const res = await browser.fetch(`/authorize?${params}`, { headers: { accept: "text/html" } });
  const got = redirectParams(res, params.get("redirect_uri") ?? client.redirect_uris[0]!);
  expect(got.error, got.error_description).toBeUndefined();
  expect(got.state).toBe(params.get("state"));
  expect(got.iss).toBe(ISSUER);
  return { code: got.code!, state: got.state!, nonce: params.get("nonce")!, pkce: usePkce, params: got };
}

/** POSTs a form to the token endpoint, authenticating as `client` with its registered method (`opts.secret` overrides the secret). */
export async function tokenRequest(
  client: TestClient,
  form: Record<string, string>,
  opts: { secret?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return postOAuth("/token", client, form, opts);
}

export async function postOAuth(
  path: string,
  client: TestClient | null,
  form: Record<string, string>,
  opts: { secret?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", ...opts.headers };
  const body: Record<string, string> = { ...form };
  if (client) {
    const secret = opts.secret ?? client.client_secret ?? "";
    if (client.token_endpoint_auth_method === "client_secret_basic") {
      headers.authorization = `Basic ${btoa(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`)}`;
    } else if (client.token_endpoint_auth_method === "client_secret_post") {
      body.client_id = client.client_id;
      body.client_secret = secret;
    } else {
      body.client_id = client.client_id;
    }
  }
  return SELF.fetch(`${ORIGIN}${path}`, { method: "POST", headers, body: new URLSearchParams(body).toString() });
}

/** Exchanges a code (RFC 6749 §4.1.3) with the verifier and redirect_uri of the authorization request. */
export async function exchangeCode(
  client: TestClient,
  auth: AuthorizeResult,
  overrides: Record<string, string | null> = {},
): Promise<Response> {
  const form: Record<string, string | null> = {
    grant_type: "authorization_code",
    code: auth.code,
    redirect_uri: client.redirect_uris[0]!,
    code_verifier: auth.pkce?.verifier ?? null,
    ...overrides,
  };
  return tokenRequest(
    client,
    Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== null)),
  );
}

export interface TokenSet {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

export async function expectTokens(res: Response): Promise<TokenSet> {
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return (await res.json()) as TokenSet;
}

export async function refresh(
  client: TestClient,
  refreshToken: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  return tokenRequest(client, { grant_type: "refresh_token", refresh_token: refreshToken, ...extra });
}

async function jwks(): Promise<JSONWebKeySet> {
  const res = await SELF.fetch(`${ORIGIN}/jwks.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as JSONWebKeySet;
}

/** Verifies a JWT the way a relying party would: against the published JWKS, issuer pinned. */
export async function verifyJwt(
  token: string,
  opts: { audience?: string; typ?: string; algorithms?: string[] } = {},
): Promise<JWTVerifyResult<JWTPayload>> {
  return jwtVerify(token, createLocalJWKSet(await jwks()), {
    issuer: ISSUER,
    ...(opts.audience ? { audience: opts.audience } : {}),
    ...(opts.typ ? { typ: opts.typ } : {}),
    ...(opts.algorithms ? { algorithms: opts.algorithms } : {}),
  });
}

export async function userinfo(accessToken: string): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
}

/** The user id of a signed-in TestBrowser (the session cookie is `<userId>.<secret>`). */
export function userIdOf(browser: TestBrowser): string {
  const cookie = browser.sessionCookie;
  if (!cookie) throw new Error("the browser is not signed in");
  return cookie.slice(0, cookie.indexOf("."));
}

/** The user's Durable Object stub, for looking inside or driving time through `now`. */
export function userStub(userId: string) {
  return testEnv.USER.get(testEnv.USER.idFromName(`user:${userId}`));
}

/**
 * Records the person's consent to `scopes` for `client` in their Durable Object, as the consent page's Allow does
 * (offline_access always needs it, OIDC Core §11): for tests about something else than consent.
 */
export async function consentTo(
  browser: TestBrowser,
  client: TestClient,
  scopes: string[] = ["offline_access"],
): Promise<void> {
  await userStub(userIdOf(browser)).grantConsent(client.client_id, scopes, Date.now());
}

/** Makes the current sessions of `browser`'s user look `ageMs` older (auth_time in the user's Durable Object). */
export async function ageSession(browser: TestBrowser, ageMs: number): Promise<void> {
  await runInDurableObject(userStub(userIdOf(browser)), (_instance, state) => {
    state.storage.sql.exec("UPDATE sessions SET auth_time = auth_time - ?", ageMs);
  });
}

/** A full SSO round trip: code, then tokens. */
export async function signInTokens(
  browser: TestBrowser,
  client: TestClient,
  opts: AuthorizeOptions = {},
): Promise<{ auth: AuthorizeResult; tokens: TokenSet }> {
  const auth = await authorizeCode(browser, client, opts);
  const tokens = await expectTokens(await exchangeCode(client, auth));
  return { auth, tokens };
}
