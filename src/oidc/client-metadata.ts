/** RFC 7591 client metadata at registration: untrusted input parsed into ClientMetadata (pure). */
import { CONNECTION_ID } from "../lib/connection-id";
import { LOOPBACK_HOSTS } from "../lib/loopback";
import {
  CLIENT_AUTH_METHODS,
  DEFAULT_CLIENT_AUTH_METHOD,
  DEFAULT_ID_TOKEN_ALG,
  ID_TOKEN_ALGS,
  type IdTokenAlg,
  type TokenEndpointAuthMethod,
} from "./capabilities";
import { type GrantTypesMetadata, parseGrantTypes, usesRedirects } from "./client-grant-types";
import { type JwtAuthMetadata, parseJwtAuthMetadata } from "./client-jwt-metadata";

/** OIDC Registration 1.0 §2 application_type. */
export type ApplicationType = "web" | "native";

/** Client metadata as accepted at registration, with RFC 7591 §2 names and defaults applied. */
export interface ClientMetadata extends JwtAuthMetadata, GrantTypesMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  client_name?: string;
  logo_uri?: string;
  post_logout_redirect_uris: string[];
  id_token_signed_response_alg: IdTokenAlg;
  application_type: ApplicationType;
  /** Latchkey extension: a first-party client skips the consent screen. */
  first_party: boolean;
  /**
   * Latchkey extension: the federation connections its users may sign in with (ids); absent = every enabled one,
   * [] = none. Whether each id names a connection is register-client.ts's check (it needs D1).
   */
  connections?: string[];
}

export type MetadataResult =
  | { ok: true; metadata: ClientMetadata }
  | {
      ok: false;
      error: "invalid_client_metadata" | "invalid_redirect_uri";
      description: string;
      /** The metadata field at fault ("" when the body itself is not an object). */
      field: string;
    };

const APPLICATION_TYPES: readonly ApplicationType[] = ["web", "native"];
const MAX_URIS = 20;
const MAX_URI_LENGTH = 2000;
const MAX_NAME_LENGTH = 200;
/** As many as there can be connections (src/db/connections.ts MAX_CONNECTIONS). */
const MAX_CLIENT_CONNECTIONS = 50;
/** C0/C1 controls and bidi overrides: they have no place in a name shown on the consent page and can spoof it. */
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

class MetadataError extends Error {
  constructor(
    readonly error: "invalid_client_metadata" | "invalid_redirect_uri",
    readonly field: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** Why `raw` cannot be a redirection endpoint, or null when it can. */
function redirectUriProblem(raw: string): string | null {
  if (raw.length > MAX_URI_LENGTH) return "is too long";
  // RFC 3986 §2: a URI is visible ASCII; anything else must be percent-encoded. The registered text goes into
  // Location headers as written (RFC 6749 §3.1.2 keeps its query byte for byte), so nothing a parser would
  // silently drop or a header cannot carry (spaces, tabs, CR/LF, non-ASCII) is let in.
  if (/[^\x21-\x7e]/.test(raw)) return "must contain only visible ASCII characters (percent-encode the rest)";
  // RFC 6749 §3.1.2: the endpoint URI MUST NOT include a fragment (an empty one included).
  if (raw.includes("#")) return "must not contain a fragment";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // RFC 6749 §3.1.2: the redirection endpoint URI MUST be an absolute URI.
    return "is not an absolute URI";
  }
  if (url.username || url.password) return "must not contain credentials";
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === "https") return url.hostname ? null : "has no host";
  // RFC 8252 §7.3 (loopback redirect for native apps); RFC 9700 §2.6 otherwise requires TLS.
  if (scheme === "http")
    return LOOPBACK_HOSTS.has(url.hostname)
      ? null
      : "must use https (http is allowed only on 127.0.0.1, [::1] or localhost)";
  // RFC 8252 §7.1: a private-use scheme is a reverse domain name (contains a period), e.g. com.example.app:/cb.
  // That also keeps out javascript:, data:, file: and similar.
  if (isPrivateUseScheme(scheme)) return null;
  return "must use https, http on a loopback host, or a reverse-domain private-use scheme";
}

/** A reverse-domain private-use scheme (RFC 8252 §7.1), e.g. `com.example.app`. */
function isPrivateUseScheme(scheme: string): boolean {
  return /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$/.test(scheme);
}

/**
 * Why a redirect URI that passed `redirectUriProblem` cannot be registered for a client of `applicationType`, or null.
 * `insecureDev` (a localhost issuer) lets web clients keep http loopback redirects for local development.
 */
function applicationTypeProblem(raw: string, applicationType: ApplicationType, insecureDev: boolean): string | null {
  // Native apps (RFC 8252 §7): private-use schemes (§7.1), claimed https URIs (§7.2) and http loopback (§7.3)
  // are all theirs; redirectUriProblem already allows exactly these.
  if (applicationType === "native") return null;
  const scheme = raw.slice(0, raw.indexOf(":")).toLowerCase();
  // OIDC Registration 1.0 §2: custom URI schemes are for native clients; a web client's redirect is a web URL.
  if (isPrivateUseScheme(scheme))
    return 'uses a private-use scheme, which only native apps may register (send "application_type": "native")';
  // RFC 9700 §2.6: http redirect URIs only for native clients using loopback redirection (RFC 8252 §7.3).
  // On a localhost issuer (development) a web client may keep its loopback http URI, matched exactly.
  if (scheme === "http" && !insecureDev)
    return (
      'uses http, which only native apps may register (send "application_type": "native"), except on a ' +
      "localhost " +
      "issuer"
    );
  return null;
}

function uriList(
  body: Record<string, unknown>,
  key: string,
  code: "invalid_client_metadata" | "invalid_redirect_uri",
  required: boolean,
): string[] {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new MetadataError(code, key, `${key} is required`);
    return [];
  }
  if (!Array.isArray(v)) throw new MetadataError(code, key, `${key} must be an array of URIs`);
  if (required && v.length === 0) throw new MetadataError(code, key, `${key} must not be empty`);
  if (v.length > MAX_URIS) throw new MetadataError(code, key, `${key} has more than ${MAX_URIS} entries`);
  const out: string[] = [];
  for (const u of v) {
    if (typeof u !== "string") throw new MetadataError(code, key, `${key} must contain only strings`);
    const problem = redirectUriProblem(u);
    if (problem) throw new MetadataError(code, key, `${key}: ${JSON.stringify(u.slice(0, 100))} ${problem}`);
    if (!out.includes(u)) out.push(u);
  }
  return out;
}

function stringArray(body: Record<string, unknown>, key: string, mayBeEmpty = false): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || (v.length === 0 && !mayBeEmpty) || !v.every((x): x is string => typeof x === "string")) {
    const what = mayBeEmpty ? "an array of strings" : "a non-empty array of strings";
    throw new MetadataError("invalid_client_metadata", key, `${key} must be ${what}`);
  }
  return [...new Set(v)];
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new MetadataError("invalid_client_metadata", key, `${key} must be a string`);
  return v;
}

function oneOf<T extends string>(body: Record<string, unknown>, key: string, allowed: readonly T[], fallback: T): T {
  const v = optionalString(body, key);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new MetadataError("invalid_client_metadata", key, `${key} must be one of ${allowed.join(", ")}`);
  }
  return v as T;
}

/** What registration depends on besides the body. */
export interface MetadataOptions {
  /** A localhost issuer (Config.insecureDev): web clients may register http loopback redirect URIs. */
  insecureDev: boolean;
}

function parseOrThrow(body: unknown, options: MetadataOptions): ClientMetadata {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new MetadataError("invalid_client_metadata", "", "the body must be a JSON object");
  }
  const o = body as Record<string, unknown>;

  // RFC 7591 §2: redirect_uris; required of a client that uses the authorization endpoint (RFC 6749 §3.1.2).
  const grantsSent = stringArray(o, "grant_types");
  const redirectUris = uriList(
    o,
    "redirect_uris",
    "invalid_redirect_uri",
    usesRedirects(grantsSent ?? ["authorization_code"]),
  );
  // OIDC RP-Initiated Logout 1.0 §3.1: post_logout_redirect_uris follow the same rules.
  const postLogout = uriList(o, "post_logout_redirect_uris", "invalid_client_metadata", false);
  // OIDC Registration 1.0 §2: application_type is "web" (the default) or "native"; it decides which redirect URIs
  // may be registered and whether a loopback redirect may change its port (RFC 8252 §7.3, src/oidc/redirect-uri.ts).
  const applicationType = oneOf(o, "application_type", APPLICATION_TYPES, "web");
  for (const u of redirectUris) {
    const problem = applicationTypeProblem(u, applicationType, options.insecureDev);
    if (problem)
      throw new MetadataError(
        "invalid_redirect_uri",
        "redirect_uris",
        `redirect_uris: ${JSON.stringify(u.slice(0, 100))} ${problem}`,
      );
  }

  // RFC 7591 §2: token_endpoint_auth_method defaults to client_secret_basic.
  const authMethod = oneOf(o, "token_endpoint_auth_method", CLIENT_AUTH_METHODS, DEFAULT_CLIENT_AUTH_METHOD);
  // RFC 7591 §2 jwks / jwks_uri, OIDC Registration 1.0 §2 token_endpoint_auth_signing_alg (client-jwt-metadata.ts).
  const jwtAuth = parseJwtAuthMetadata(o, authMethod, options.insecureDev);
  if (!jwtAuth.ok) throw new MetadataError("invalid_client_metadata", jwtAuth.field, jwtAuth.description);

  // RFC 7591 §2 grant_types / response_types (client-grant-types.ts): redirect-based or machine client.
  const grantTypes = parseGrantTypes(grantsSent, stringArray(o, "response_types", true), authMethod);
  if (!grantTypes.ok) throw new MetadataError("invalid_client_metadata", grantTypes.field, grantTypes.description);

  const name = optionalString(o, "client_name");
  if (name !== undefined) {
    if (name.trim().length === 0 || name.length > MAX_NAME_LENGTH) {
      throw new MetadataError(
        "invalid_client_metadata",
        "client_name",
        `client_name must be 1 to ${MAX_NAME_LENGTH} characters`,
      );
    }
    if (UNSAFE_NAME_CHARS.test(name))
      throw new MetadataError("invalid_client_metadata", "client_name", "client_name contains control characters");
  }

  const logoUri = optionalString(o, "logo_uri");
  if (logoUri !== undefined) {
    let ok = logoUri.length <= MAX_URI_LENGTH;
    try {
      const u = new URL(logoUri);
      ok &&= u.protocol === "https:" && !u.username && !u.password;
    } catch {
      ok = false;
    }
    // RFC 7591 §2: logo_uri is a URL the authorization server shows; only https is fetched from our pages.
    if (!ok) throw new MetadataError("invalid_client_metadata", "logo_uri", "logo_uri must be an https URL");
  }

  // OIDC Registration 1.0 §2: id_token_signed_response_alg defaults to RS256; ES256 on request; "none" never.
  const alg = oneOf(o, "id_token_signed_response_alg", ID_TOKEN_ALGS, DEFAULT_ID_TOKEN_ALG);

  const firstParty = o.first_party ?? false;
  if (typeof firstParty !== "boolean")
    throw new MetadataError("invalid_client_metadata", "first_party", "first_party must be a boolean");

  const connections = stringArray(o, "connections", true);
  if (connections !== undefined) {
    if (connections.length > MAX_CLIENT_CONNECTIONS)
      throw new MetadataError(
        "invalid_client_metadata",
        "connections",
        `connections lists at most ${MAX_CLIENT_CONNECTIONS} connection ids`,
      );
    if (!connections.every((id) => CONNECTION_ID.test(id)))
      throw new MetadataError("invalid_client_metadata", "connections", "connections must be connection ids");
  }

  const metadata: ClientMetadata = {
    redirect_uris: redirectUris,
    token_endpoint_auth_method: authMethod,
    ...grantTypes.metadata,
    post_logout_redirect_uris: postLogout,
    id_token_signed_response_alg: alg,
    application_type: applicationType,
    first_party: firstParty,
    ...jwtAuth.metadata,
  };
  if (name !== undefined) metadata.client_name = name;
  if (logoUri !== undefined) metadata.logo_uri = logoUri;
  if (connections !== undefined) metadata.connections = connections;
  return metadata;
}

/** RFC 7591 §2 and §3.2.2: validates untrusted registration metadata. Unknown fields are ignored (§2). */
export function parseClientMetadata(body: unknown, options: MetadataOptions): MetadataResult {
  try {
    return { ok: true, metadata: parseOrThrow(body, options) };
  } catch (e) {
    if (e instanceof MetadataError) return { ok: false, error: e.error, description: e.description, field: e.field };
    throw e;
  }
}
