/**
 * The upstream side of federation, through oauth4webapi (a certified OpenID Connect relying party): the
 * authorization request out, and the callback's answer turned into an UpstreamProfile only after every check.
 * Loaded with the federation routes on their first request (src/app.tsx), never on the passkey or token paths.
 */
import { decodeJwt, importPKCS8, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { ResponseTooLarge, readResponseCapped } from "../lib/response-body";
import type { Connection } from "./connection";
import { githubProfile } from "./github";
import { expectedIssuer, githubEndpoints, microsoftIssuerFits, responseMode } from "./presets";
import { profileFromClaims, type UpstreamProfile } from "./profile";

/** Every upstream request gives up after this long: a slow provider is a failed sign-in, not a hung one. */
const UPSTREAM_TIMEOUT_MS = 5_000;
/**
 * The most any upstream answer may be (discovery, JWKS, token, userinfo, GitHub's API: a few kB each), so that a
 * hostile provider cannot fill the isolate's memory within the timeout.
 */
const MAX_UPSTREAM_RESPONSE_BYTES = 256 * 1024;
/** Discovery documents are read again after this long (a provider's endpoints and keys change rarely). */
const DISCOVERY_TTL_MS = 10 * 60 * 1000;

/**
 * Why a federated sign-in failed, as the person is told: the person or the provider said no ("denied"), the
 * provider could not be reached in time or answered with a server error ("unavailable"), or its answer did not
 * pass a check ("invalid": state, nonce, issuer, audience, expiry, signature).
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: "denied" | "unavailable" | "invalid",
    readonly reason: string,
  ) {
    super(`${kind}: ${reason}`);
    this.name = "UpstreamError";
  }
}

export interface UpstreamClient {
  connection: Connection;
  /**
   * Opens the client secret (Apple: the PKCS#8 PEM of the key its client secret JWT is signed with), only for the
   * token request: the authorization request needs none.
   */
  openSecret: () => Promise<string | null>;
  /** Latchkey's callback, registered at the provider. */
  redirectUri: string;
  /** Plain http to a loopback provider (local development and tests: Config.insecureDev). */
  allowHttp: boolean;
}

/** What the authorization request committed to, kept in the flow state until the callback. */
export interface UpstreamCommitments {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const discovered = new Map<string, { as: oauth.AuthorizationServer; at: number }>();
/** Per issuer, oauth4webapi's JWKS cache: it refetches the key set when a token names a kid it does not hold. */
const jwksCaches = new Map<string, oauth.JWKSCacheInput>();

/** fetch, with the answer read in full under MAX_UPSTREAM_RESPONSE_BYTES before anything parses it. */
async function cappedFetch(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  const body = await readResponseCapped(res, MAX_UPSTREAM_RESPONSE_BYTES);
  const noBody = res.status === 204 || res.status === 205 || res.status === 304;
  return new Response(noBody ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

function httpOptions(up: UpstreamClient): {
  signal: () => AbortSignal;
  [oauth.allowInsecureRequests]: boolean;
  [oauth.customFetch]: typeof cappedFetch;
} {
  return {
    signal: () => AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    [oauth.allowInsecureRequests]: up.allowHttp,
    [oauth.customFetch]: cappedFetch,
  };
}

/** OIDC Discovery 1.0 §4: the provider's metadata from its issuer, its `issuer` checked (§4.3). */
async function serverMetadata(up: UpstreamClient, now: number): Promise<oauth.AuthorizationServer> {
  const { connection } = up;
  if (connection.type === "oauth2") {
    // GitHub publishes no discovery document: its documented endpoints.
    const ep = githubEndpoints(connection.issuer);
    return { issuer: connection.issuer, authorization_endpoint: ep.authorize, token_endpoint: ep.token };
  }
  const cached = discovered.get(connection.issuer);
  if (cached && now - cached.at < DISCOVERY_TTL_MS) return cached.as;
  const res = await oauth.discoveryRequest(new URL(connection.issuer), { ...httpOptions(up), algorithm: "oidc" });
  if (res.status >= 500) throw new UpstreamError("unavailable", `discovery answered ${res.status}`);
  // Entra's multi-tenant endpoints publish an issuer template; it is checked against each token's tid below.
  const published = (await res
    .clone()
    .json()
    .catch(() => null)) as { issuer?: unknown } | null;
  const issuer = typeof published?.issuer === "string" ? published.issuer : "";
  const fits =
    connection.preset === "microsoft" ? microsoftIssuerFits(connection.issuer, issuer) : issuer === connection.issuer;
  if (!fits) throw new UpstreamError("invalid", "the discovery document names another issuer");
  const as = await oauth.processDiscoveryResponse(new URL(issuer), res);
  discovered.set(connection.issuer, { as, at: now });
  return as;
}

/** The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) with PKCE S256 (RFC 7636 §4.2), state and nonce. */
export async function authorizationUrl(
  up: UpstreamClient,
  commitments: UpstreamCommitments,
  loginHint: string | null,
  now: number,
): Promise<URL> {
  const as = await upstreamCall(() => serverMetadata(up, now));
  if (!as.authorization_endpoint) throw new UpstreamError("invalid", "the provider has no authorization endpoint");
  const url = new URL(as.authorization_endpoint);
  const p = url.searchParams;
  p.set("response_type", "code");
  p.set("client_id", up.connection.clientId);
  p.set("redirect_uri", up.redirectUri);
  p.set("scope", up.connection.scopes.join(" "));
  p.set("state", commitments.state);
  p.set("code_challenge", await oauth.calculatePKCECodeChallenge(commitments.codeVerifier));
  p.set("code_challenge_method", "S256");
  if (up.connection.type === "oidc") p.set("nonce", commitments.nonce);
  if (responseMode(up.connection.preset) === "form_post") p.set("response_mode", "form_post");
  if (loginHint) p.set(up.connection.type === "oauth2" ? "login" : "login_hint", loginHint);
  return url;
}

/**
 * The callback: the authorization response checked (RFC 6749 §4.1.2, RFC 9207 `iss` when the provider sends it),
 * the code exchanged (§4.1.3) with the PKCE verifier, and for OpenID Connect the ID token checked (OIDC Core
 * §3.1.3.7: iss, aud, azp, exp, iat, nonce, and its signature against the provider's JWKS); the email from
 * userinfo (§5.3) when the ID token lacks it. GitHub: its REST API's user and emails.
 */
export async function completeUpstream(
  up: UpstreamClient,
  callback: URLSearchParams,
  commitments: UpstreamCommitments,
  now: number,
): Promise<UpstreamProfile> {
  return upstreamCall(async () => {
    const as = await serverMetadata(up, now);
    const client: oauth.Client = { client_id: up.connection.clientId };
    const params = oauth.validateAuthResponse(as, client, callback, commitments.state);
    const auth = await clientAuth(up, as, now);
    const tokenRes = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      up.redirectUri,
      commitments.codeVerifier,
      httpOptions(up),
    );
    if (up.connection.type === "oauth2") {
      if (tokenRes.status >= 500) throw new UpstreamError("unavailable", `token endpoint answered ${tokenRes.status}`);
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, tokenRes);
      return githubUser(up, tokens.access_token);
    }
    if (tokenRes.status >= 500) throw new UpstreamError("unavailable", `token endpoint answered ${tokenRes.status}`);
    const tokenAs = await issuerForToken(as, tokenRes);
    const tokens = await oauth.processAuthorizationCodeResponse(tokenAs, client, tokenRes, {
      expectedNonce: commitments.nonce,
      requireIdToken: true,
    });
    // Over TLS the token endpoint is already authenticated; the signature is checked all the same, so a token
    // that did not come from the provider's keys is never believed (RFC 8725 §3.1 on algorithms: oauth4webapi
    // accepts only the provider's advertised signing algorithms, never "none").
    await oauth.validateApplicationLevelSignature(tokenAs, tokenRes, {
      ...httpOptions(up),
      [oauth.jwksCache]: jwksCacheOf(as.issuer),
    });
    const claims = oauth.getValidatedIdTokenClaims(tokens) as Record<string, unknown> & { sub: string };
    let merged: Record<string, unknown> = claims;
    if (typeof claims.email !== "string" && as.userinfo_endpoint) {
      const res = await oauth.userInfoRequest(as, client, tokens.access_token, httpOptions(up));
      // OIDC Core §5.3.4: the userinfo sub must be the ID token's.
      const info = await oauth.processUserInfoResponse(as, client, claims.sub, res);
      merged = { ...info, ...claims, email: info.email, email_verified: info.email_verified };
    }
    const profile = profileFromClaims(merged, up.connection.preset);
    // Sign in with Apple sends the name once, on the first sign-in, as a form field beside the code.
    return profile.name === null ? { ...profile, name: appleFirstName(up, callback) } : profile;
  });
}

/**
 * Entra's template issuer: the ID token must carry the issuer of its own tenant (`tid`), the template filled in
 * (Microsoft identity platform, "Validate the issuer"). The token is decoded here only to read `tid`; every
 * check is oauth4webapi's, against that issuer.
 */
async function issuerForToken(as: oauth.AuthorizationServer, tokenRes: Response): Promise<oauth.AuthorizationServer> {
  if (!as.issuer.includes("{tenantid}")) return as;
  const body = (await tokenRes
    .clone()
    .json()
    .catch(() => null)) as { id_token?: unknown } | null;
  let tid: unknown = null;
  try {
    tid = typeof body?.id_token === "string" ? decodeJwt(body.id_token).tid : null;
  } catch {
    tid = null;
  }
  const issuer = expectedIssuer(as.issuer, tid);
  if (issuer === null) throw new UpstreamError("invalid", "the ID token names no tenant");
  return { ...as, issuer };
}

function jwksCacheOf(issuer: string): oauth.JWKSCacheInput {
  let cache = jwksCaches.get(issuer);
  if (!cache) {
    cache = {};
    jwksCaches.set(issuer, cache);
  }
  return cache;
}

/**
 * RFC 6749 §2.3.1: HTTP Basic unless the provider only lists client_secret_post. Apple and GitHub take the secret
 * in the body; Apple's is a short-lived ES256 JWT signed with the configured key (Sign in with Apple REST API,
 * "Creating a client secret").
 */
async function clientAuth(up: UpstreamClient, as: oauth.AuthorizationServer, now: number): Promise<oauth.ClientAuth> {
  let secret: string | null;
  try {
    secret = await up.openSecret();
  } catch {
    // Sealed under another KEY_ENCRYPTION_SECRET, or altered: the connection needs its secret set again.
    throw new UpstreamError("invalid", "the connection's client secret does not open");
  }
  if (secret === null) throw new UpstreamError("invalid", "the connection has no client secret");
  if (up.connection.preset === "apple") return oauth.ClientSecretPost(await appleClientSecret(up, secret, now));
  if (up.connection.type === "oauth2") return oauth.ClientSecretPost(secret);
  const methods = as.token_endpoint_auth_methods_supported;
  if (methods && !methods.includes("client_secret_basic") && methods.includes("client_secret_post"))
    return oauth.ClientSecretPost(secret);
  return oauth.ClientSecretBasic(secret);
}

async function appleClientSecret(up: UpstreamClient, pem: string, now: number): Promise<string> {
  const { connection } = up;
  if (!connection.appleTeamId || !connection.appleKeyId)
    throw new UpstreamError("invalid", "the Apple connection lacks its team or key id");
  let key: CryptoKey;
  try {
    key = await importPKCS8(pem, "ES256");
  } catch {
    throw new UpstreamError("invalid", "the Apple connection's key is not a PKCS#8 P-256 key");
  }
  const iat = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: connection.appleKeyId })
    .setIssuer(connection.appleTeamId)
    .setSubject(connection.clientId)
    .setAudience("https://appleid.apple.com")
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .sign(key);
}

function appleFirstName(up: UpstreamClient, callback: URLSearchParams): string | null {
  if (up.connection.preset !== "apple") return null;
  try {
    const user = JSON.parse(callback.get("user") ?? "null") as { name?: { firstName?: unknown; lastName?: unknown } };
    const parts = [user?.name?.firstName, user?.name?.lastName].filter((s): s is string => typeof s === "string");
    return parts.join(" ").trim().slice(0, 200) || null;
  } catch {
    return null;
  }
}

/** GitHub REST API: "Get the authenticated user" and "List email addresses for the authenticated user". */
async function githubUser(up: UpstreamClient, accessToken: string): Promise<UpstreamProfile> {
  const api = githubEndpoints(up.connection.issuer).api;
  const headers = {
    accept: "application/vnd.github+json",
    authorization: `Bearer ${accessToken}`,
    "user-agent": "Latchkey",
    "x-github-api-version": "2022-11-28",
  };
  const get = async (path: string) => {
    const res = await cappedFetch(`${api}${path}`, { headers, signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
    if (res.status >= 500) throw new UpstreamError("unavailable", `GitHub ${path} answered ${res.status}`);
    if (!res.ok) throw new UpstreamError("invalid", `GitHub ${path} answered ${res.status}`);
    return res.json().catch(() => null) as Promise<unknown>;
  };
  const [user, emails] = await Promise.all([get("/user"), get("/user/emails")]);
  const profile = githubProfile(user, emails);
  if (!profile) throw new UpstreamError("invalid", "GitHub's /user has no id");
  return profile;
}

/**
 * Runs an upstream step and names its failure: oauth4webapi's own errors (every check it makes, an OAuth error
 * answer) are "invalid", an upstream `error=access_denied` is "denied", and anything else thrown by a request
 * (refused connection, reset, timeout) is "unavailable".
 */
async function upstreamCall<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw classify(err);
  }
}

function classify(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof ResponseTooLarge) return new UpstreamError("invalid", err.message);
  if (err instanceof oauth.AuthorizationResponseError) {
    // RFC 6749 §4.1.2.1.
    if (err.error === "access_denied") return new UpstreamError("denied", "access_denied");
    if (err.error === "temporarily_unavailable" || err.error === "server_error")
      return new UpstreamError("unavailable", err.error);
    return new UpstreamError("invalid", `upstream error ${err.error.slice(0, 64)}`);
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (
    err instanceof oauth.OperationProcessingError ||
    err instanceof oauth.ResponseBodyError ||
    err instanceof oauth.UnsupportedOperationError ||
    (typeof code === "string" && code.startsWith("OAUTH_"))
  ) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Response && cause.status >= 500)
      return new UpstreamError("unavailable", `answered ${cause.status}`);
    return new UpstreamError("invalid", String((err as Error).message).slice(0, 200));
  }
  console.warn(JSON.stringify({ event: "upstream_unreachable", reason: String(err).slice(0, 200) }));
  return new UpstreamError("unavailable", "the provider did not answer");
}
