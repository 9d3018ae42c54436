/** Mints an authorization code `<userId>.<secret>`: the prefix routes redemption to the user's Durable Object. */
import type { CurrentSession } from "../app-types";
import type { Env } from "../config";
import type { User } from "../db/users";
import { randomToken, sha256b64url } from "../lib/crypto";
import type { OneTimeId } from "../user/types";
import { userObject } from "../user/user-object";
import type { CodeGrant } from "../user/types";
import { CODE_TTL_S } from "./token-lifetimes";

export interface CodeRequest {
  clientId: string;
  redirectUri: string;
  redirectUriSent: boolean;
  scope: string[];
  nonce: string | null;
  codeChallenge: string | null;
}

/**
 * Mints and stores the code. `consume` is the parked request's one-time id: it is spent together with the code's
 * storage, so one parked request yields at most one code; null (no code) when it was already spent.
 */
export async function issueCode(env: Env, req: CodeRequest, session: CurrentSession, user: User, now: number, consume: OneTimeId | null = null): Promise<string | null> {
  const secret = randomToken(32);
  const grant: CodeGrant = {
    userId: session.userId,
    clientId: req.clientId,
    redirectUri: req.redirectUri,
    redirectUriSent: req.redirectUriSent,
    scope: req.scope.join(" "),
    nonce: req.nonce,
    codeChallenge: req.codeChallenge,
    sid: session.sid,
    authTime: session.authTime,
    amr: session.amr,
    claims: { email: user.email, email_verified: user.emailVerifiedAt !== null, name: user.name },
  };
  // RFC 6749 §4.1.2: short-lived; stored only as a hash.
  const stored = await userObject(env, session.userId).storeCode(await sha256b64url(secret), grant, now + CODE_TTL_S * 1000, consume);
  return stored ? `${session.userId}.${secret}` : null;
}

/** Splits a code or refresh token into the user id (routing) and the secret; null when malformed. */
export function splitUserToken(token: string): { userId: string; secret: string } | null {
  const m = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { userId: m[1]!, secret: m[2]! } : null;
}
