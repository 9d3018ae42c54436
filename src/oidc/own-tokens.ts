/** Signing and verifying the JWTs Latchkey issues (ID tokens, RFC 9068 access tokens) with the published keys. */
import { createLocalJWKSet, errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { Config, Env } from "../config";
import { SIGNING_ALGS } from "../keys/key-policy";
import { getPublicJwks, getSigningKey, reloadPublicJwksForUnknownKid, type PublicJwks, type SigningAlg } from "../keys/signing-keys";

export async function signJwt(env: Env, config: Config, alg: SigningAlg, typ: "JWT" | "at+jwt", claims: JWTPayload, now: number): Promise<string> {
  const key = await getSigningKey(env, config, alg, now);
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.key);
}

export interface VerifyOptions {
  typ?: "at+jwt";
  /** Accept an expired token (id_token_hint, OIDC Core §3.1.2.1 and RP-Initiated Logout §2). */
  allowExpired?: boolean;
  audience?: string;
}

/**
 * Verifies a JWT signed by one of our published keys and issued by us; null when it is not. A kid this isolate
 * has not seen yet makes it reread the keys once (rate-limited), since another isolate may have just created one.
 */
export async function verifyOwnJwt(env: Env, config: Config, token: string, now: number, opts: VerifyOptions = {}): Promise<JWTPayload | null> {
  if (token.length > 8192) return null;
  const verify = (jwks: PublicJwks) =>
    jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: config.issuer,
      algorithms: [...SIGNING_ALGS],
      currentDate: new Date(now),
      ...(opts.typ ? { typ: opts.typ } : {}),
      ...(opts.audience ? { audience: opts.audience } : {}),
      ...(opts.allowExpired ? { maxTokenAge: undefined, clockTolerance: 10 * 365 * 24 * 3600 } : { clockTolerance: 5 }),
    });
  try {
    return (await verify(await getPublicJwks(env, now))).payload;
  } catch (err) {
    if (!(err instanceof errors.JWKSNoMatchingKey)) return null;
  }
  try {
    const reloaded = await reloadPublicJwksForUnknownKid(env, now);
    return reloaded ? (await verify(reloaded)).payload : null;
  } catch {
    return null;
  }
}
