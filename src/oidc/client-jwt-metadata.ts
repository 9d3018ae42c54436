/**
 * The registration metadata of JWT client authentication (pure): jwks / jwks_uri (RFC 7591 §2) and
 * token_endpoint_auth_signing_alg (OIDC Registration 1.0 §2), checked against the client's auth method.
 */
import type { JSONWebKeySet } from "jose";
import { type AssertionAlg, assertionAlgsFor, isOneOf, type TokenEndpointAuthMethod } from "./capabilities";
import { jwksUriProblem, parseClientJwkSet } from "./client-jwk-set";

const MAX_URI_LENGTH = 2000;

export interface JwtAuthMetadata {
  jwks?: JSONWebKeySet;
  jwks_uri?: string;
  token_endpoint_auth_signing_alg?: AssertionAlg;
}

export type JwtAuthMetadataResult =
  | { ok: true; metadata: JwtAuthMetadata }
  | { ok: false; field: string; description: string };

function fail(field: string, description: string): JwtAuthMetadataResult {
  return { ok: false, field, description };
}

/** Validates the JWT-auth fields of registration metadata `body` for a client using `method`. */
export function parseJwtAuthMetadata(
  body: Record<string, unknown>,
  method: TokenEndpointAuthMethod,
  insecureDev: boolean,
): JwtAuthMetadataResult {
  const present = (key: string) => body[key] !== undefined && body[key] !== null;
  const metadata: JwtAuthMetadata = {};
  // RFC 7591 §2: "The jwks_uri and jwks parameters MUST NOT both be present in the same request or response."
  if (present("jwks") && present("jwks_uri")) return fail("jwks", "jwks and jwks_uri must not both be present");
  if ((present("jwks") || present("jwks_uri")) && method !== "private_key_jwt") {
    const field = present("jwks") ? "jwks" : "jwks_uri";
    return fail(field, `${field} is only used with token_endpoint_auth_method private_key_jwt`);
  }
  if (present("jwks")) {
    const parsed = parseClientJwkSet(body.jwks);
    if (!parsed.ok) return fail("jwks", `jwks ${parsed.reason}`);
    metadata.jwks = parsed.jwks;
  }
  if (present("jwks_uri")) {
    const uri = body.jwks_uri;
    if (typeof uri !== "string" || uri.length > MAX_URI_LENGTH)
      return fail("jwks_uri", `jwks_uri must be a URL of at most ${MAX_URI_LENGTH} characters`);
    const problem = jwksUriProblem(uri, insecureDev);
    if (problem) return fail("jwks_uri", `jwks_uri ${problem}`);
    metadata.jwks_uri = uri;
  }
  // OIDC Core §9 private_key_jwt: the client "has registered a public key"; without one no assertion can verify.
  if (method === "private_key_jwt" && !metadata.jwks && !metadata.jwks_uri)
    return fail("jwks", "private_key_jwt requires jwks or jwks_uri");

  if (present("token_endpoint_auth_signing_alg")) {
    const alg = body.token_endpoint_auth_signing_alg;
    const allowed = assertionAlgsFor(method);
    if (allowed.length === 0)
      return fail(
        "token_endpoint_auth_signing_alg",
        "token_endpoint_auth_signing_alg is only used with private_key_jwt or client_secret_jwt",
      );
    // OIDC Registration 1.0 §2: "none" MUST NOT be used; RFC 8725 §3.1: an HMAC alg only with the shared secret.
    if (typeof alg !== "string" || !isOneOf(allowed, alg))
      return fail(
        "token_endpoint_auth_signing_alg",
        `token_endpoint_auth_signing_alg must be one of ${allowed.join(", ")} for ${method}`,
      );
    metadata.token_endpoint_auth_signing_alg = alg;
  }
  return { ok: true, metadata };
}
