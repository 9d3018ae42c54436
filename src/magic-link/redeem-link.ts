/**
 * Redeeming a magic link, as a sign-in method: the token proves the address, and the proof goes to the sign-in
 * seam (src/signin/start-session.ts), which consumes the link exactly once in the user's Durable Object in the
 * same atomic step that creates the session. For an address with no account yet the user row is made first (the
 * token proves the address), so that Durable Object call is the last storage step of the flow: a fault anywhere
 * before it leaves the link unspent and no session, and the person can simply press the button again.
 */
import type { Env } from "../config";
import { countCredentials } from "../db/credentials";
import { confirmEmail, upsertVerifiedUser } from "../db/users";
import { EMAIL_LINK_AMR } from "../sessions/assurance";
import type { VerifiedSignIn } from "../signin/start-session";
import { emailObject } from "../user/user-object";
import { isRequestingBrowser } from "./link-binding";
import { forgetMagicLink, loadMagicLink, type MagicLinkRecord } from "./magic-link-store";

export type LinkProof =
  | {
      ok: true;
      signIn: VerifiedSignIn;
      /** What spendMagicLink clears once the session has started. */
      link: { hash: string; email: string };
      returnTo: string;
      hasPasskey: boolean;
      newAccount: boolean;
      crossDevice: boolean;
    }
  | { ok: false; reason: "invalid" };

/**
 * RFC 9700 §4.7: whether the browser opening a link is one that asked for it — the one the link was mailed for, or
 * one whose own request was coalesced into it while it was live — and where that browser asked to go. Any other
 * browser is a cross-device sign-in: it is told so, lands on /account, and may not add a passkey.
 */
export async function linkOpenedBy(
  env: Env,
  record: MagicLinkRecord,
  browserHash: string,
  now: number,
): Promise<{ sameBrowser: boolean; returnTo: string }> {
  if (isRequestingBrowser(record.requestedBy, browserHash)) return { sameBrowser: true, returnTo: record.returnTo };
  const waiter = await emailObject(env, record.email).linkWaiter(browserHash, now);
  return waiter ? { sameBrowser: true, returnTo: waiter.returnTo } : { sameBrowser: false, returnTo: "/account" };
}

/** `browserHash`: this browser's magic-link binding hash (src/sessions/browser.ts), to tell a cross-device sign-in. */
export async function proveMagicLink(env: Env, token: string, browserHash: string, now: number): Promise<LinkProof> {
  const found = await loadMagicLink(env, token, now);
  if (!found) return { ok: false, reason: "invalid" };
  const { hash, record } = found;
  const opened = await linkOpenedBy(env, record, browserHash, now);
  const crossDevice = !opened.sameBrowser;
  let userId = record.userId;
  let newAccount = false;
  let hasPasskey = false;
  if (userId === null) {
    // Sign-up: the address is verified by the token; it becomes a user (or finds the one a parallel sign-up made).
    const user = await upsertVerifiedUser(env.DB, record.email, now);
    newAccount = user.createdAt === now;
    userId = user.id;
    hasPasskey = !newAccount && (await countCredentials(env.DB, userId)) > 0;
  } else {
    // Both at once (one round trip of latency): the address is (again) verified, and whether to offer a passkey.
    const [confirmed, passkeys] = await Promise.all([
      confirmEmail(env.DB, userId, record.email, now),
      countCredentials(env.DB, userId),
    ]);
    // The account is gone, or an administrator changed its address after this link was mailed to the old one.
    if (!confirmed) return { ok: false, reason: "invalid" };
    hasPasskey = passkeys > 0;
  }
  const consume = { id: `link:${hash}`, expiresAt: record.expiresAt };
  return {
    ok: true,
    signIn: { userId, method: "email", amr: EMAIL_LINK_AMR, consume, credentialId: null, crossDevice },
    link: { hash, email: record.email },
    // RFC 9700 §4.7: the parked request (return_to) belongs to the browser that asked; a cross-device sign-in
    // lands on the account page.
    returnTo: opened.returnTo,
    hasPasskey,
    newAccount,
    crossDevice,
  };
}

/** After the session started (the link is consumed): the lookup record and the address's live link go. */
export async function spendMagicLink(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  link: { hash: string; email: string },
): Promise<void> {
  // KV is only the lookup (the Durable Object refuses a replay), so failing to forget the record is harmless.
  ctx.waitUntil(forgetMagicLink(env, link.hash).catch((err) => console.warn("magic link record not deleted", err)));
  // The owner has read their mail: the next request for this address mails a new link at once. Awaited so that
  // next request sees it; a failure only means that request is coalesced until the link expires.
  await emailObject(env, link.email)
    .endLiveLink()
    .catch((err: unknown) => console.warn("live link not ended", err));
}
