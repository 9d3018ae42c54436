/** Typed errors with stable codes, and the single map from a code to an HTTP / OAuth wire response. */

/** Codes of Latchkey's own JSON API ({error, message}). */
export const API_ERRORS = {
  invalid_request: 400,
  invalid_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  request_timeout: 408,
  csrf_failed: 403,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  challenge_invalid: 400,
  challenge_replayed: 400,
  credential_unknown: 400,
  verification_failed: 400,
  counter_regression: 400,
  link_invalid: 400,
  link_used: 400,
  last_credential: 409,
  reauth_required: 403,
  account_disabled: 403,
  rate_limited: 429,
  temporarily_unavailable: 503,
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

/** Hostile or malformed input to Latchkey's own endpoints. The message is safe to show to the caller. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.status = API_ERRORS[code];
  }
}

/** RFC 6749 §4.1.2.1, §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2, OIDC Core §3.1.2.6 error codes. */
export const OAUTH_ERRORS = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_response_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  login_required: 400,
  consent_required: 400,
  interaction_required: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_client_metadata: 400,
  invalid_redirect_uri: 400,
  unsupported_token_type: 400,
  invalid_target: 400,
  request_not_supported: 400,
  request_uri_not_supported: 400,
  slow_down: 429,
} as const;
export type OAuthErrorCode = keyof typeof OAUTH_ERRORS;

export class OAuthError extends Error {
  override name = "OAuthError";
  status: number;
  constructor(
    readonly code: OAuthErrorCode,
    readonly description?: string,
    status?: number,
    readonly retryAfter?: number,
  ) {
    super(description ?? code);
    this.status = status ?? OAUTH_ERRORS[code];
  }
}

/**
 * RFC 6750 §3: an error of a bearer-protected resource (userinfo, client registration). `code` null means no
 * credentials were sent (§3.1: no error attribute, no body); `inChallenge` false leaves the code out of the
 * WWW-Authenticate header while still sending it in the body.
 */
export class BearerError extends Error {
  override name = "BearerError";
  constructor(
    readonly code: "invalid_request" | "invalid_token" | "insufficient_scope" | null,
    readonly description?: string,
    readonly status: 400 | 401 | 403 = 401,
    readonly inChallenge = true,
  ) {
    super(description ?? code ?? "bearer token required");
  }
}

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

/** The one place an error becomes a wire response. Unknown errors are logged and become a 500 without detail. */
export function errorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    const headers: Record<string, string> = { ...NO_STORE, "Content-Type": "application/json" };
    if (err.retryAfter !== undefined) headers["Retry-After"] = String(err.retryAfter);
    return new Response(JSON.stringify({ error: err.code, message: err.message }), { status: err.status, headers });
  }
  if (err instanceof OAuthError) {
    const headers: Record<string, string> = { ...NO_STORE, "Content-Type": "application/json" };
    if (err.retryAfter !== undefined) headers["Retry-After"] = String(err.retryAfter);
    // RFC 6749 §5.2: invalid_client with HTTP auth answers 401 with WWW-Authenticate.
    if (err.code === "invalid_client" && err.status === 401) headers["WWW-Authenticate"] = 'Basic realm="latchkey"';
    const body: Record<string, string> = { error: err.code };
    if (err.description) body.error_description = oauthDescription(err.description);
    return new Response(JSON.stringify(body), { status: err.status, headers });
  }
  if (err instanceof BearerError) {
    const challenge = ['Bearer realm="latchkey"'];
    // The description travels in the JSON body only, so no free text has to be quoted into a header.
    if (err.code && err.inChallenge) challenge.push(`error="${err.code}"`);
    const headers: Record<string, string> = { ...NO_STORE, "WWW-Authenticate": challenge.join(", ") };
    if (!err.code) return new Response(null, { status: err.status, headers });
    headers["Content-Type"] = "application/json";
    return new Response(
      JSON.stringify({ error: err.code, ...(err.description ? { error_description: err.description } : {}) }),
      { status: err.status, headers },
    );
  }
  if (isStorageFault(err)) {
    // The fault's own text is for the log only; the client gets our words below.
    console.warn("storage fault", err);
    // The body reads as both formats: Latchkey's JSON API ({error, message}) and OAuth (RFC 6749 §5.2
    // {error, error_description}), since a fault can hit any endpoint and this map does not know which one.
    const message = "A storage service did not answer. Try again.";
    return new Response(JSON.stringify({ error: "temporarily_unavailable", message, error_description: message }), {
      status: 503,
      headers: { ...NO_STORE, "Content-Type": "application/json", "Retry-After": "1" },
    });
  }
  console.error("unhandled error", err);
  return new Response(JSON.stringify({ error: "server_error", message: "Something went wrong on our side." }), {
    status: 500,
    headers: { ...NO_STORE, "Content-Type": "application/json" },
  });
}

/**
 * RFC 6749 §5.2 (and RFC 7591 §3.2.2): error_description holds only %x20-21 / %x23-5B / %x5D-7E. Descriptions
 * may quote request input, so quotes and backslashes become ' and /, anything else outside the set a "?", and
 * the text is capped.
 */
function oauthDescription(text: string): string {
  return text
    .slice(0, 300)
    .replace(/"/g, "'")
    .replace(/\\/g, "/")
    .replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "?");
}

/** SQL that can never succeed (a bug, not an outage): retrying it would not help, so it stays a 500. */
const PERMANENT_SQL_ERROR =
  /SQLITE_(CONSTRAINT|ERROR|MISMATCH|RANGE|TOOBIG)|constraint failed|no such (table|column)|syntax error/;

/**
 * Durable Object, D1 and KV faults that are worth retrying: they carry `retryable`/`overloaded`, or come from
 * storage. Wrappers are looked through: drizzle-orm throws DrizzleQueryError with the D1 error as its `cause`.
 */
function isStorageFault(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    const f = e as Error & { retryable?: boolean; overloaded?: boolean };
    if (f.retryable === true || f.overloaded === true) return true;
    if (/^D1_ERROR/.test(f.message)) return !PERMANENT_SQL_ERROR.test(f.message);
    if (/Durable Object|^KV (GET|PUT|DELETE|LIST) failed/.test(f.message)) return true;
  }
  return false;
}
