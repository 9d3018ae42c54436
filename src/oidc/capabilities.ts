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

/** RFC 6749 §4.1.3, §6: the grants /token dispatches (src/oidc/grants/index.ts has one module per entry). */
export const GRANT_TYPES = ["authorization_code", "refresh_token"] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** RFC 6749 §2.3 / RFC 7591 §2: client authentication at /token and /revoke. */
export const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"] as const;
export type TokenEndpointAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

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
