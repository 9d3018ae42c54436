/**
 * Sensitive account actions (adding or removing a passkey, deleting the account) need a recent sign-in, so a
 * session left open on a shared computer, or a stolen cookie, cannot change how the account is signed in to, or
 * erase it (NIST SP 800-63B §7.2.1 reauthentication; OWASP ASVS V3.7.1). Any sign-in counts: a passkey
 * assertion or an emailed link, the passkey offer right after a magic-link sign-in included.
 */

export const FRESH_SIGN_IN_MS = 5 * 60 * 1000;

/** Where a stale session goes to sign in again; it comes back to the account page. */
export const REAUTHENTICATE_PATH = "/signin?return_to=%2Faccount";

/** The same for account deletion: it comes back to the deletion page. */
export const REAUTHENTICATE_TO_DELETE_PATH = "/signin?return_to=%2Faccount%2Fdelete";

/**
 * Whether this session may add or remove a passkey, or delete the account, now: a recent sign-in, and not one
 * made by an emailed link opened in another browser than the one that asked for it. That link may be someone
 * else's, forwarded (RFC 9700 §4.7): a passkey added there would sign this person into that account from then on,
 * and a deletion there would erase an account that is not theirs. Signing in again on this device (a link asked
 * for here, or a passkey) lifts it.
 */
export function mayMakeSensitiveChange(session: { authTime: number; crossDevice: boolean }, now: number): boolean {
  return !session.crossDevice && now - session.authTime <= FRESH_SIGN_IN_MS;
}
