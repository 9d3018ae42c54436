/**
 * Whether one of our RFC 9068 access tokens (signature, issuer, typ and exp already verified) is still live: the
 * one rule userinfo, introspection and the admin API share. A user's token lives in the user's Durable Object with
 * its grant; a client_credentials token (RFC 6749 §4.4, no `gid`) lives in its client's object.
 */
import type { JWTPayload } from "jose";
import type { Env } from "../config";
import { findUserById, type User } from "../db/users";
import { clientObject, userObject } from "../user/user-object";
import { type ClientRecord, getClient } from "./clients";

export type LiveAccessToken =
  | { kind: "user"; sub: string; jti: string; user: User }
  | { kind: "client"; sub: string; jti: string; client: ClientRecord };

/** Whether a token's claims name a client_credentials token: issued to a client for itself, with no grant id. */
export function isClientToken(claims: JWTPayload): boolean {
  return claims.gid === undefined && typeof claims.sub === "string" && claims.sub === claims.client_id;
}

/** The token's subject when it is live, null when it was revoked, its grant ended, or its user or client is gone. */
export async function liveAccessToken(env: Env, claims: JWTPayload, now: number): Promise<LiveAccessToken | null> {
  const { sub, jti, gid } = claims;
  if (typeof sub !== "string" || typeof jti !== "string") return null;
  if (isClientToken(claims)) {
    const client = await getClient(env, sub);
    // A deleted client, or one no longer registered for the grant, has no live client tokens.
    if (!client?.grantTypes.includes("client_credentials")) return null;
    if (!(await clientObject(env, sub).isAccessTokenActive(jti, null, now))) return null;
    return { kind: "client", sub, jti, client };
  }
  if (typeof gid !== "string") return null;
  if (!(await userObject(env, sub).isAccessTokenActive(jti, gid, now))) return null;
  const user = await findUserById(env.DB, sub);
  if (!user) return null;
  // Beside the object's own refusal: the D1 mirror of a disable, and tokens minted before the last sign-out
  // everywhere.
  const issuedAt = typeof claims.iat === "number" ? claims.iat * 1000 : 0;
  if (user.disabledAt !== null || (user.tokensValidAfter !== null && issuedAt < user.tokensValidAfter)) return null;
  return { kind: "user", sub, jti, user };
}
