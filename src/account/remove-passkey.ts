/**
 * Removing a passkey, the one way the account page and the admin API do it: the credential leaves D1, then the
 * sessions it started end (with every grant they made, offline ones included: the passkey may be the reason it was
 * removed), except `keepSid` (the account page's own session, which just signed in afresh).
 */
import type { Env } from "../config";
import { deleteCredential } from "../db/credentials";
import { userObject } from "../user/user-object";

/** The sids ended, or null when the user has no such passkey. */
export async function removePasskey(
  env: Env,
  userId: string,
  credentialId: string,
  keepSid: string | null,
  now: number,
): Promise<string[] | null> {
  if (!(await deleteCredential(env.DB, userId, credentialId))) return null;
  return userObject(env, userId).endSessionsStartedWith(credentialId, keepSid, now);
}
