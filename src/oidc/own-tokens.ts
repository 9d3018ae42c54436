/** Signing and verifying the JWTs Latchkey issues (ID tokens, RFC 9068 access tokens) with the published keys. */
import { createLocalJWKSet, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { Config, Env } from "../config";
import { getPublicJwks, getSigningKey, type SigningAlg } from "../keys/signing-keys";

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

/** Verifies a JWT signed by one of our published keys and issued by us; null when it is not. */
export async function verifyOwnJwt(env: Env, config: Config, token: string, now: number, opts: VerifyOptions = {}): Promise<JWTPayload | null> {
  if (token.length > 8192) return null;
  try {
    const jwks = createLocalJWKSet(await getPublicJwks(env, now));
    const { payload } = await jwtVerify(token, jwks, {
      issuer: config.issuer,
      algorithms: ["ES256", "RS256"],
      currentDate: new Date(now),
      ...(opts.typ ? { typ: opts.typ } : {}),
      ...(opts.audience ? { audience: opts.audience } : {}),
      ...(opts.allowExpired ? { maxTokenAge: undefined, clockTolerance: 10 * 365 * 24 * 3600 } : { clockTolerance: 5 }),
    });
    return payload;
  } catch {
    return null;
  }
}
