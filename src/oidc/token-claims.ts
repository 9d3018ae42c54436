/** Pure builders of ID token (OIDC Core §2, §3.1.3.6) and access token (RFC 9068 §2.2) claim sets. */
import type { JWTPayload } from "jose";
import { ID_TOKEN_TTL_S } from "../lib/token-lifetimes";
import { acrOf, publishedAmr } from "../sessions/assurance";
import type { Amr, UserClaims } from "../user/types";
import { formatScope, type Scope } from "./scope";

export interface TokenSubject {
  issuer: string;
  userId: string;
  clientId: string;
  scope: Scope;
  sid: string | null;
  authTime: number;
  amr: Amr[];
  claims: UserClaims;
  familyId: string;
}

/** OIDC Core §5.4: claims released by scope. */
export function scopedClaims(scope: Scope, claims: UserClaims): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (scope.has("email")) {
    out.email = claims.email;
    out.email_verified = claims.email_verified;
  }
  if (scope.has("profile") && claims.name) out.name = claims.name;
  return out;
}

/**
 * amr says how the person signed in (RFC 8176 §2), acr the class that makes (OIDC Core §2); see sessions/assurance.ts.
 */
export function idTokenClaims(
  s: TokenSubject,
  nonce: string | null,
  atHash: string,
  jti: string,
  nowMs: number,
): JWTPayload {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: s.issuer,
    sub: s.userId,
    aud: s.clientId,
    exp: iat + ID_TOKEN_TTL_S,
    iat,
    auth_time: Math.floor(s.authTime / 1000),
    ...(nonce !== null ? { nonce } : {}),
    amr: publishedAmr(s.amr),
    acr: acrOf(s.amr),
    azp: s.clientId,
    ...(s.sid ? { sid: s.sid } : {}),
    at_hash: atHash,
    jti,
    ...scopedClaims(s.scope, s.claims),
  };
}

/** RFC 9068 §2.2: the access token's audience and lifetime (a resource server's own, or the issuer's userinfo). */
export interface AccessTokenAudience {
  audience: string;
  ttlS: number;
}

export function accessTokenClaims(s: TokenSubject, aud: AccessTokenAudience, jti: string, nowMs: number): JWTPayload {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: s.issuer,
    sub: s.userId,
    aud: aud.audience,
    exp: iat + aud.ttlS,
    iat,
    jti,
    client_id: s.clientId,
    scope: formatScope(s.scope),
    // RFC 9068 §2.2.1: how and when the person authenticated, for a resource server's own step-up decisions.
    auth_time: Math.floor(s.authTime / 1000),
    acr: acrOf(s.amr),
    amr: publishedAmr(s.amr),
    ...(s.sid ? { sid: s.sid } : {}),
    // Latchkey: the grant (refresh family) this token belongs to, so revoking the grant revokes the token at userinfo.
    gid: s.familyId,
  };
}

/**
 * RFC 9068 §2.2 for the client_credentials grant (RFC 6749 §4.4): the client acts for itself, so sub is its
 * client_id; no auth_time, sid or grant id, since no person signed in.
 */
export function clientTokenClaims(
  issuer: string,
  clientId: string,
  scope: Scope,
  aud: AccessTokenAudience,
  jti: string,
  nowMs: number,
): JWTPayload {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: issuer,
    sub: clientId,
    aud: aud.audience,
    exp: iat + aud.ttlS,
    iat,
    jti,
    client_id: clientId,
    scope: formatScope(scope),
  };
}
