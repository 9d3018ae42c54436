/**
 * JWT client assertions (RFC 7523 §3, OIDC Core §9) checked without I/O: the header's alg against what the client
 * may use, the signature against the candidate keys the caller loaded, then the claims with `now` injected. The jti
 * is consumed by the caller only after all of this passed, so a bad assertion cannot burn one.
 */
import { compactVerify, decodeProtectedHeader, importJWK, type JSONWebKeySet, type JWK } from "jose";
import type { AssertionAlg } from "./capabilities";

/** Largest assertion read (bytes of the compact serialization). */
const MAX_ASSERTION_LENGTH = 8 * 1024;
/** RFC 7523 §3 items 4, 5, 6: "a reasonably small" allowance for clock skew. */
export const ASSERTION_CLOCK_SKEW_S = 30;
/** The furthest ahead `exp` may be: an assertion is for one request, not a credential to keep. */
const MAX_ASSERTION_LIFETIME_S = 300;
const MAX_JTI_LENGTH = 256;

/** Why an assertion was refused (logged; the wire answer is the same invalid_client for each). */
export type AssertionFailure =
  | "malformed"
  | "alg"
  | "unknown_kid"
  | "signature"
  | "iss"
  | "sub"
  | "aud"
  | "exp_missing"
  | "expired"
  | "exp_too_far"
  | "iat_future"
  | "nbf"
  | "jti";

export type HeaderResult =
  | { ok: true; alg: AssertionAlg; kid: string | null }
  | { ok: false; reason: AssertionFailure };

/** The protected header, if its alg is one of `allowed` (RFC 8725 §3.1: the verifier picks the algs; never none). */
export function readAssertionHeader(jwt: string, allowed: readonly AssertionAlg[]): HeaderResult {
  if (jwt.length > MAX_ASSERTION_LENGTH || jwt.split(".").length !== 3) return { ok: false, reason: "malformed" };
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwt) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const alg = header.alg;
  if (typeof alg !== "string" || !(allowed as readonly string[]).includes(alg)) return { ok: false, reason: "alg" };
  const kid = typeof header.kid === "string" ? header.kid : null;
  return { ok: true, alg: alg as AssertionAlg, kid };
}

/** The kty (and curve) each private_key_jwt alg verifies with (RFC 7518 §3.1, RFC 8037 §3.1). */
function keyFits(jwk: JWK, alg: AssertionAlg): boolean {
  if (alg === "RS256" || alg === "PS256") return jwk.kty === "RSA";
  if (alg === "ES256") return jwk.kty === "EC" && jwk.crv === "P-256";
  if (alg === "EdDSA") return jwk.kty === "OKP" && jwk.crv === "Ed25519";
  return false;
}

/** RFC 7515 §4.1.4 / RFC 7517 §4.4: the keys of `jwks` that may have signed a JWS with this alg and kid. */
export function candidateKeys(jwks: JSONWebKeySet, alg: AssertionAlg, kid: string | null): JWK[] {
  return jwks.keys.filter(
    (k) => keyFits(k, alg) && (kid === null || k.kid === kid) && (k.alg === undefined || k.alg === alg),
  );
}

/** The payload, if one of `keys` verifies the signature (JWKs for private_key_jwt, secret octets for HS256). */
export async function verifiedPayload(
  jwt: string,
  alg: AssertionAlg,
  keys: readonly (JWK | Uint8Array)[],
): Promise<unknown> {
  for (const key of keys) {
    try {
      const material = key instanceof Uint8Array ? key : await importJWK(key, alg);
      const { payload } = await compactVerify(jwt, material, { algorithms: [alg] });
      return JSON.parse(new TextDecoder().decode(payload)) as unknown;
    } catch {
      // Not this key (or not a JSON payload); the next one may verify.
    }
  }
  return undefined;
}

export interface ClaimExpectations {
  clientId: string;
  /** RFC 7523 §3 item 3: values of which `aud` must contain one (the issuer, the token endpoint, this endpoint). */
  audiences: readonly string[];
  now: number;
}

export type ClaimsResult = { ok: true; jti: string; exp: number } | { ok: false; reason: AssertionFailure };

/** RFC 7523 §3 and OIDC Core §9 claim rules, in the order the RFC lists them. */
export function checkAssertionClaims(payload: unknown, expect: ClaimExpectations): ClaimsResult {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return { ok: false, reason: "malformed" };
  const p = payload as Record<string, unknown>;
  const nowS = expect.now / 1000;
  // RFC 7523 §3 item 1 / OIDC Core §9: iss is the client_id.
  if (p.iss !== expect.clientId) return { ok: false, reason: "iss" };
  // RFC 7523 §3 item 2.B: for client authentication, sub is the client_id too.
  if (p.sub !== expect.clientId) return { ok: false, reason: "sub" };
  // RFC 7523 §3 item 3: aud identifies this authorization server; a string or an array of strings.
  const aud = typeof p.aud === "string" ? [p.aud] : Array.isArray(p.aud) ? p.aud : [];
  if (!aud.some((a) => typeof a === "string" && expect.audiences.includes(a))) return { ok: false, reason: "aud" };
  // RFC 7523 §3 item 4: exp is required and the JWT MUST be rejected after it (small skew allowed).
  if (typeof p.exp !== "number" || !Number.isFinite(p.exp)) return { ok: false, reason: "exp_missing" };
  if (nowS >= p.exp + ASSERTION_CLOCK_SKEW_S) return { ok: false, reason: "expired" };
  // RFC 7523 §3 item 4 lets the server reject an exp "unreasonably far in the future": more than 5 minutes.
  if (p.exp > nowS + MAX_ASSERTION_LIFETIME_S + ASSERTION_CLOCK_SKEW_S) return { ok: false, reason: "exp_too_far" };
  // RFC 7523 §3 item 5: the JWT MUST NOT be accepted before nbf.
  if (p.nbf !== undefined && (typeof p.nbf !== "number" || nowS + ASSERTION_CLOCK_SKEW_S < p.nbf))
    return { ok: false, reason: "nbf" };
  // RFC 7523 §3 item 6: iat, when present, is a time in the past.
  if (p.iat !== undefined && (typeof p.iat !== "number" || p.iat > nowS + ASSERTION_CLOCK_SKEW_S))
    return { ok: false, reason: "iat_future" };
  // RFC 7523 §3 item 7 / OIDC Core §9: jti is required here, as the key of the one-time rule.
  if (typeof p.jti !== "string" || p.jti.length === 0 || p.jti.length > MAX_JTI_LENGTH)
    return { ok: false, reason: "jti" };
  return { ok: true, jti: p.jti, exp: p.exp };
}
