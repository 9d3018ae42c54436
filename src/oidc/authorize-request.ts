/**
 * Pure validation of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1).
 * Step one decides whether errors may be redirected (client and redirect_uri known-good); step two
 * checks everything else and yields errors that go back to the client.
 */
import type { OAuthErrorCode } from "../errors";
import { isS256Challenge } from "../lib/pkce";
import { CODE_CHALLENGE_METHODS, isOneOf, PROMPTS, RESPONSE_MODES, RESPONSE_TYPES } from "./capabilities";
import type { ClientRecord } from "./clients";
import { isRegisteredRedirectUri, withQueryParameters } from "./redirect-uri";
import type { ResourceServer } from "./resource-registry";
import { checkResourceRequest, NO_RESOURCES, type ResourceCatalogue } from "./resource-request";
import { parseScope, type Scope } from "./scope";

const MAX_PARAM = 2048;

export type Params = (key: string) => string | undefined;

export type ClientCheck =
  | { ok: true; client: ClientRecord; redirectUri: string; state: string | null }
  | { ok: false; message: string };

/** RFC 6749 §4.1.2.1 / RFC 9700 §4.1.3: until this passes, nothing is redirected. */
export function checkClientAndRedirect(
  client: ClientRecord | null,
  clientId: string | undefined,
  redirectUri: string | undefined,
  state: string | undefined,
): ClientCheck {
  if (!clientId) return { ok: false, message: "The request has no client_id." };
  if (!client) return { ok: false, message: "The application that sent you here is not registered." };
  let uri = redirectUri;
  if (uri === undefined) {
    // RFC 6749 §3.1.2.3: may be omitted only when exactly one redirect URI is registered.
    if (client.redirectUris.length !== 1) return { ok: false, message: "The request has no redirect_uri." };
    uri = client.redirectUris[0]!;
  }
  // RFC 9700 §4.1.3: exact string matching of the redirect URI (for native apps, any port on a loopback IP, RFC 8252
  // §7.3).
  if (!isRegisteredRedirectUri(client.redirectUris, uri, client.applicationType))
    return { ok: false, message: "The redirect_uri is not registered for this application." };
  return { ok: true, client, redirectUri: uri, state: state && state.length <= MAX_PARAM ? state : null };
}

interface AuthorizationRequest {
  scope: Scope;
  /** RFC 8707: the resource the access token will be for (null: the issuer's userinfo). */
  resource: ResourceServer | null;
  openid: boolean;
  nonce: string | null;
  codeChallenge: string | null;
  prompt: string[];
  maxAge: number | null;
  loginHint: string | null;
  idTokenHint: string | null;
  /** OIDC Core §3.1.2.1 acr_values, in order of preference (checked by sessions/assurance.ts acrSatisfies). */
  acrValues: string[];
}

export type RequestCheck =
  | { ok: true; request: AuthorizationRequest }
  | {
      ok: false;
      error: Extract<
        OAuthErrorCode,
        | "invalid_request"
        | "unsupported_response_type"
        | "invalid_scope"
        | "unauthorized_client"
        | "request_not_supported"
        | "request_uri_not_supported"
        | "invalid_target"
      >;
      description: string;
    };

export function checkAuthorizationRequest(
  client: ClientRecord,
  get: Params,
  catalogue: ResourceCatalogue = NO_RESOURCES,
): RequestCheck {
  for (const key of [
    "scope",
    "resource",
    "nonce",
    "state",
    "code_challenge",
    "login_hint",
    "id_token_hint",
    "prompt",
    "max_age",
    "ui_locales",
    "acr_values",
  ]) {
    const v = get(key);
    if (v !== undefined && v.length > (key === "id_token_hint" ? 8192 : MAX_PARAM))
      return { ok: false, error: "invalid_request", description: `${key} is too long` };
  }
  // OIDC Core §6: request objects are not supported.
  if (get("request") !== undefined)
    return { ok: false, error: "request_not_supported", description: "request objects are not supported" };
  if (get("request_uri") !== undefined)
    return { ok: false, error: "request_uri_not_supported", description: "request_uri is not supported" };
  const responseType = get("response_type");
  if (!responseType) return { ok: false, error: "invalid_request", description: "response_type is required" };
  // RFC 6749 §3.1.1: only the code flow is offered.
  if (!isOneOf(RESPONSE_TYPES, responseType))
    return { ok: false, error: "unsupported_response_type", description: "only response_type=code is supported" };
  if (!client.responseTypes.includes("code") || !client.grantTypes.includes("authorization_code")) {
    return {
      ok: false,
      error: "unauthorized_client",
      description: "this client may not use the authorization code flow",
    };
  }
  const responseMode = get("response_mode");
  if (responseMode !== undefined && !isOneOf(RESPONSE_MODES, responseMode))
    return { ok: false, error: "invalid_request", description: "only response_mode=query is supported" };

  // RFC 8707 §2 resource, and the API scopes asked for it (resource-request.ts); without one, RFC 6749 §3.3:
  // unknown scopes are ignored. Nothing usable left is invalid_scope.
  const target = checkResourceRequest(get("resource"), parseScope(get("scope")), catalogue);
  if (!target.ok) return target;
  const scope = target.scope;
  if (scope.size === 0) return { ok: false, error: "invalid_scope", description: "no supported scope was requested" };
  const openid = scope.has("openid");

  // RFC 7636 §4.3 / RFC 9700 §2.1.1: S256 only; required for public clients.
  const codeChallenge = get("code_challenge") ?? null;
  const method = get("code_challenge_method");
  if (codeChallenge === null) {
    if (method !== undefined)
      return { ok: false, error: "invalid_request", description: "code_challenge_method without code_challenge" };
    if (client.tokenEndpointAuthMethod === "none")
      return {
        ok: false,
        error: "invalid_request",
        description: "PKCE (code_challenge with S256) is required for public clients",
      };
  } else {
    if (method === undefined || !isOneOf(CODE_CHALLENGE_METHODS, method))
      return {
        ok: false,
        error: "invalid_request",
        description: "code_challenge_method must be S256 (plain is not allowed)",
      };
    if (!isS256Challenge(codeChallenge))
      return { ok: false, error: "invalid_request", description: "code_challenge is not a base64url SHA-256 value" };
  }

  // OIDC Core §3.1.2.1 prompt: "none" must stand alone.
  const prompt = (get("prompt") ?? "").split(" ").filter(Boolean);
  if (prompt.some((p) => !isOneOf(PROMPTS, p)))
    return { ok: false, error: "invalid_request", description: "unknown prompt value" };
  if (prompt.includes("none") && prompt.length > 1)
    return { ok: false, error: "invalid_request", description: "prompt=none cannot be combined with other values" };

  let maxAge: number | null = null;
  const rawMaxAge = get("max_age");
  if (rawMaxAge !== undefined) {
    if (!/^\d{1,10}$/.test(rawMaxAge))
      return { ok: false, error: "invalid_request", description: "max_age must be a non-negative integer" };
    maxAge = Number(rawMaxAge);
  }

  return {
    ok: true,
    request: {
      scope,
      resource: target.resource,
      openid,
      nonce: get("nonce") ?? null,
      codeChallenge,
      prompt,
      maxAge,
      loginHint: get("login_hint") ?? null,
      idTokenHint: get("id_token_hint") ?? null,
      acrValues: (get("acr_values") ?? "").split(" ").filter(Boolean),
    },
  };
}

/** Whether an existing sign-in satisfies the request (OIDC Core §3.1.2.1 prompt=login, max_age; see freshAfter). */
export function sessionSatisfies(authTimeMs: number, freshAfter: number | null): boolean {
  return freshAfter === null || authTimeMs >= freshAfter;
}

/**
 * Earliest acceptable auth_time (ms) for a request made at `now`. OIDC Core §3.1.2.1: prompt=login (and
 * create) needs a sign-in after the request; max_age needs one within max_age seconds of it (max_age=0 is
 * prompt=login). prompt=select_account asks the person to choose the account: the sign-in page is where they
 * choose it (by signing in with it), so it too needs a sign-in after the request. Measured from the request, so
 * the sign-in the request leads to always satisfies it.
 */
export function freshAfter(prompt: string[], maxAge: number | null, now: number): number | null {
  const bounds: number[] = [];
  if (prompt.includes("login") || prompt.includes("create") || prompt.includes("select_account")) bounds.push(now);
  if (maxAge !== null) bounds.push(now - maxAge * 1000);
  return bounds.length ? Math.max(...bounds) : null;
}

/** Builds the redirect back to the client with RFC 9207 `iss` (RFC 6749 §4.1.2 / §4.1.2.1). */
export function clientRedirect(
  redirectUri: string,
  params: Record<string, string | null | undefined>,
  issuer: string,
): string {
  return withQueryParameters(redirectUri, { ...params, iss: issuer });
}
