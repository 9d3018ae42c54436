/**
 * Mints an authorization code `<userId>.<secret>` (lib/user-token.ts): the prefix routes redemption to the user's DO.
 */
import type { CurrentSession } from "../app-types";
import type { Env } from "../config";
import type { User } from "../db/users";
import { sha256b64url } from "../lib/crypto";
import { CODE_TTL_S } from "../lib/token-lifetimes";
import { newUserToken } from "../lib/user-token";
import type { CodeGrant, OneTimeId } from "../user/types";
import { userObject } from "../user/user-object";
import { formatScope, type Scope } from "./scope";

export interface CodeRequest {
  clientId: string;
  redirectUri: string;
  redirectUriSent: boolean;
  scope: Scope;
  /** RFC 8707: the resource identifier the token will be for (null: none). */
  resource: string | null;
  nonce: string | null;
  codeChallenge: string | null;
}

/**
 * Mints and stores the code. `consume` is the parked request's one-time id: it is spent together with the code's
 * storage, so one parked request yields at most one code; null (no code) when it was already spent.
 */
export async function issueCode(
  env: Env,
  req: CodeRequest,
  session: CurrentSession,
  user: User,
  now: number,
  consume: OneTimeId | null = null,
): Promise<string | null> {
  const { token, secret } = newUserToken(session.userId);
  const grant: CodeGrant = {
    userId: session.userId,
    clientId: req.clientId,
    redirectUri: req.redirectUri,
    redirectUriSent: req.redirectUriSent,
    scope: formatScope(req.scope),
    resource: req.resource,
    nonce: req.nonce,
    codeChallenge: req.codeChallenge,
    sid: session.sid,
    authTime: session.authTime,
    amr: session.amr,
    claims: { email: user.email, email_verified: user.emailVerifiedAt !== null, name: user.name },
  };
  // RFC 6749 §4.1.2: short-lived; stored only as a hash.
  const stored = await userObject(env, session.userId).storeCode(
    await sha256b64url(secret),
    grant,
    now + CODE_TTL_S * 1000,
    consume,
  );
  return stored ? token : null;
}
