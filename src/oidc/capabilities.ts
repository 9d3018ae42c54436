/**
 * What this provider offers, each vocabulary defined once: discovery publishes these lists, and authorization,
 * registration, client authentication and the token endpoint check against them (tests import them too).
 */
import { SIGNING_ALGS, type SigningAlg } from "../keys/key-policy";

export { ACR_VALUES } from "../sessions/assurance";

/** RFC 6749 §3.3 / OIDC Core §5.4 and §11: the scopes a grant can hold; others are ignored at /authorize. */
export const SCOPES = ["openid", "profile", "email", "offline_access"] as const;

/** RFC 6749 §3.1.1: only the authorization code flow. */
export const RESPONSE_TYPES = ["code"] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];

/** OAuth 2.0 Multiple Response Types §2.1: the code comes back in the query. */
export const RESPONSE_MODES = ["query"] as const;

/** RFC 6749 §4.1.3, §6, §4.4: the grants /token dispatches (src/oidc/grants/index.ts has one module per entry). */
export const GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/**
 * RFC 6749 §2.3 / RFC 7591 §2: client authentication at /token and /revoke; OIDC Core §9 and RFC 7523 §2.2 add the
 * JWT assertions (private_key_jwt, client_secret_jwt).
 */
export const CLIENT_AUTH_METHODS = [
  "client_secret_basic",
  "client_secret_post",
  "client_secret_jwt",
  "private_key_jwt",
  "none",
] as const;
export type TokenEndpointAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** RFC 7523 §2.2 / OIDC Core §9: client_assertion_type for a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** OIDC Core §9 private_key_jwt: asymmetric algorithms only (RFC 8725 §3.1: never "none", never HS* here). */
const PRIVATE_KEY_JWT_ALGS = ["RS256", "PS256", "ES256", "EdDSA"] as const;
/** OIDC Core §9 client_secret_jwt: an HMAC keyed with the client secret. */
const CLIENT_SECRET_JWT_ALGS = ["HS256"] as const;
/** OIDC Registration 1.0 §2 token_endpoint_auth_signing_alg / OIDC Discovery §3: every alg an assertion may use. */
export const TOKEN_ENDPOINT_AUTH_SIGNING_ALGS = [...PRIVATE_KEY_JWT_ALGS, ...CLIENT_SECRET_JWT_ALGS] as const;
export type AssertionAlg = (typeof TOKEN_ENDPOINT_AUTH_SIGNING_ALGS)[number];

/** The assertion algorithms `method` allows (empty for methods that send no assertion). */
export function assertionAlgsFor(method: TokenEndpointAuthMethod): readonly AssertionAlg[] {
  if (method === "private_key_jwt") return PRIVATE_KEY_JWT_ALGS;
  if (method === "client_secret_jwt") return CLIENT_SECRET_JWT_ALGS;
  return [];
}

/** RFC 7591 §2: token_endpoint_auth_method when the client names none. */
export const DEFAULT_CLIENT_AUTH_METHOD: TokenEndpointAuthMethod = "client_secret_basic";

/** OIDC Core §3.1.3.7: the ID token algorithms (one key each, keys/key-policy.ts); "none" is never offered. */
export const ID_TOKEN_ALGS: readonly SigningAlg[] = SIGNING_ALGS;
export type IdTokenAlg = SigningAlg;

/** OIDC Registration 1.0 §2: id_token_signed_response_alg when the client names none. */
export const DEFAULT_ID_TOKEN_ALG: IdTokenAlg = "RS256";

/** RFC 9068 §2.1: every access token is signed with this algorithm. */
export const ACCESS_TOKEN_ALG: SigningAlg = "ES256";

/** OIDC Core §3.1.2.1 prompt values (create: Initiating User Registration 1.0 §4). */
export const PROMPTS = ["none", "login", "consent", "select_account", "create"] as const;

/** RFC 7636 §4.2: S256 only; plain is not offered. */
export const CODE_CHALLENGE_METHODS = ["S256"] as const;

/** Whether `value` is one of `list` (narrows a wire string to the list's type). */
export function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}
