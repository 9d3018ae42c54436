/** Lifetimes of everything Latchkey issues, and the signing-key rotation schedule derived from them (seconds). */

/** RFC 9068 access token (JWT): short, so a revoked grant stops working quickly. */
export const ACCESS_TOKEN_TTL_S = 300;
/** The longest access token lifetime a resource server (API) may be given (access_token_ttl_seconds). */
export const MAX_RESOURCE_ACCESS_TOKEN_TTL_S = 24 * 60 * 60;
/** OIDC Core §2 ID token `exp`. */
export const ID_TOKEN_TTL_S = 600;
/** Opaque refresh token, rotated on every use (RFC 9700 §4.14.2). */
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 60 * 60;
/** Authorization code: RFC 6749 §4.1.2 recommends at most 10 minutes; one minute is plenty for a redirect. */
export const CODE_TTL_S = 60;

/**
 * The longest-lived JWT a signing key produces: a key must stay in the JWKS at least this long after it stops signing.
 */
export const MAX_SIGNED_TOKEN_TTL_S = Math.max(MAX_RESOURCE_ACCESS_TOKEN_TTL_S, ID_TOKEN_TTL_S);
/**
 * Publish-before-sign lead: a new key is in the JWKS this long before it signs anything, so relying
 * parties that cache the JWKS (ours says max-age=300) already hold it when the first token arrives.
 */
export const KEY_SIGN_LEAD_S = 60 * 60;
/** A signing key is replaced once it is this old. */
export const KEY_ROTATE_AFTER_S = 30 * 24 * 60 * 60;
/**
 * Extra time a retired key stays published beyond MAX_SIGNED_TOKEN_TTL_S: covers clock skew, isolate key
 * caches (KEY_CACHE_TTL_S), a late cron run and verifier-side leeway.
 */
export const KEY_UNPUBLISH_MARGIN_S = 60 * 60;
/** How long an isolate trusts its cached copy of the signing-key rows and of client records. */
export const KEY_CACHE_TTL_S = 60;
export const CLIENT_CACHE_TTL_S = 60;
/** After a client secret rotation, how long the replaced secret is still accepted (24 h). */
export const CLIENT_SECRET_GRACE_S = 24 * 60 * 60;
