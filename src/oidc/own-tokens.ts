/** Signing and verifying the JWTs Latchkey issues (ID tokens, RFC 9068 access tokens) with the published keys. */
import { createLocalJWKSet, errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Config, Env } from "../config";
import { SIGNING_ALGS } from "../keys/key-policy";
import {
  getPublicJwks,
  getSigningKey,
  type PublicJwks,
  reloadPublicJwksForUnknownKid,
  type SigningAlg,
} from "../keys/signing-keys";

export async function signJwt(
  env: Env,
  config: Config,
  alg: SigningAlg,
  typ: "JWT" | "at+jwt",
  claims: JWTPayload,
  now: number,
): Promise<string> {
  const key = await getSigningKey(env, config, alg, now);
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.key);
}

export interface VerifyOptions {
  /** RFC 8725 §3.11: the JOSE typ our ID tokens (JWT) or access tokens (at+jwt, RFC 9068 §2.1) carry. */
  typ?: "JWT" | "at+jwt";
  audience?: string;
}

/** Why a token is not one of ours, for the log and for callers that treat some reasons alike. */
type VerifyFailure =
  | "malformed"
  | "unknown_key"
  | "signature"
  | "wrong_algorithm"
  | "wrong_type"
  | "wrong_issuer"
  | "wrong_audience"
  | "not_yet_valid"
  | "keys_unavailable";

/**
 * `expired` keeps the claims: the signature, issuer, typ, audience and nbf were all checked before exp (jose checks
 * exp last), so an id_token_hint (OIDC Core §3.1.2.1, RP-Initiated Logout §2) may still be used.
 */
export type VerifyResult =
  | { ok: true; claims: JWTPayload }
  | { ok: false; reason: "expired"; claims: JWTPayload }
  | { ok: false; reason: VerifyFailure };

/** The claims of a token that is ours, expired or not (id_token_hint); null otherwise. */
export function claimsEvenIfExpired(result: VerifyResult): JWTPayload | null {
  return "claims" in result ? result.claims : null;
}

const CLOCK_TOLERANCE_S = 5;

/**
 * Verifies a JWT signed by one of our published keys and issued by us. A kid this isolate has not seen yet makes it
 * reread the keys once (rate-limited), since another isolate may have just created one.
 */
export async function verifyOwnJwt(
  env: Env,
  config: Config,
  token: string,
  now: number,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  if (token.length > 8192) return { ok: false, reason: "malformed" };
  const verify = async (jwks: PublicJwks): Promise<VerifyResult> => {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: config.issuer,
        algorithms: [...SIGNING_ALGS],
        currentDate: new Date(now),
        clockTolerance: CLOCK_TOLERANCE_S,
        ...(opts.typ ? { typ: opts.typ } : {}),
        ...(opts.audience ? { audience: opts.audience } : {}),
      });
      return { ok: true, claims: payload };
    } catch (err) {
      return failure(err);
    }
  };
  const first = await withKeys(() => getPublicJwks(env, now), verify);
  if (first.ok || first.reason !== "unknown_key") return first;
  return withKeys(() => reloadPublicJwksForUnknownKid(env, now), verify, first);
}

/** Loads keys then verifies; a key-store fault is logged and fails the token (it is never a 5xx for the caller). */
async function withKeys(
  load: () => Promise<PublicJwks | null>,
  verify: (jwks: PublicJwks) => Promise<VerifyResult>,
  noKeys?: VerifyResult,
): Promise<VerifyResult> {
  let keys: PublicJwks | null;
  try {
    keys = await load();
  } catch (err) {
    console.error("public keys unavailable", err);
    return { ok: false, reason: "keys_unavailable" };
  }
  return keys ? verify(keys) : (noKeys ?? { ok: false, reason: "unknown_key" });
}

/** Maps jose's errors to our reasons (RFC 7519 §7.2 validation steps; RFC 7519 §4.1.4 exp, §4.1.5 nbf). */
function failure(err: unknown): VerifyResult {
  if (err instanceof errors.JWTExpired && err.claim === "exp") {
    return { ok: false, reason: "expired", claims: err.payload };
  }
  if (err instanceof errors.JWKSNoMatchingKey) return { ok: false, reason: "unknown_key" };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: "signature" };
  if (err instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: "wrong_algorithm" };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "typ") return { ok: false, reason: "wrong_type" };
    if (err.claim === "iss") return { ok: false, reason: "wrong_issuer" };
    if (err.claim === "aud") return { ok: false, reason: "wrong_audience" };
    if (err.claim === "nbf") return { ok: false, reason: "not_yet_valid" };
  }
  return { ok: false, reason: "malformed" };
}
