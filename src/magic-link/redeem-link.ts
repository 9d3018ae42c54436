/**
 * Redeeming a magic link: the token is consumed exactly once in the user's Durable Object, in the same atomic
 * step that creates the session. For an address with no account yet the user row is made first (the token
 * proves the address), so that Durable Object call is the last storage step of the flow: a fault anywhere
 * before it leaves the link unspent and no session, and the person can simply press the button again.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { countCredentials } from "../db/credentials";
import { upsertVerifiedUser } from "../db/users";
import { EMAIL_LINK_AMR } from "../sessions/assurance";
import { startSession } from "../sessions/session";
import { emailObject } from "../user/user-object";
import { browserBindingHash } from "../sessions/browser";
import { isRequestingBrowser } from "./link-binding";
import { forgetMagicLink, loadMagicLink } from "./magic-link-store";

export type RedeemResult =
  | { ok: true; userId: string; returnTo: string; hasPasskey: boolean; newAccount: boolean; crossDevice: boolean }
  | { ok: false; reason: "invalid" | "used" };

export async function redeemMagicLink(c: Context<AppEnv>, token: string, now: number): Promise<RedeemResult> {
  const found = await loadMagicLink(c.env, token, now);
  if (!found) return { ok: false, reason: "invalid" };
  const { hash, record } = found;
  // RFC 9700 §4.7: a link opened in a browser other than the one that asked for it is a cross-device sign-in.
  const crossDevice = !isRequestingBrowser(record.requestedBy, await browserBindingHash(c.get("browserId"), "magic-link"));
  let userId = record.userId;
  let newAccount = false;
  if (userId === null) {
    // Sign-up: the address is verified by the token; it becomes a user (or finds the one a parallel sign-up made).
    const user = await upsertVerifiedUser(c.env.DB, record.email, now);
    newAccount = user.createdAt === now;
    userId = user.id;
  }
  const hasPasskey = !newAccount && (await countCredentials(c.env.DB, userId)) > 0;
  const consume = { id: `link:${hash}`, expiresAt: record.expiresAt };
  const session = await startSession(c, { userId, method: "email", amr: EMAIL_LINK_AMR, consume, credentialId: null }, now);
  if (!session) return { ok: false, reason: "used" };
  // KV is only the lookup (the Durable Object refuses a replay), so failing to forget the record is harmless.
  c.executionCtx.waitUntil(forgetMagicLink(c.env, hash).catch((err) => console.warn("magic link record not deleted", err)));
  // The owner has read their mail: the next request for this address mails a new link at once. Awaited so that
  // next request sees it; a failure only means that request is coalesced until the link expires.
  await emailObject(c.env, record.email).endLiveLink().catch((err: unknown) => console.warn("live link not ended", err));
  // RFC 9700 §4.7: the parked request (return_to) belongs to the browser that asked; a cross-device sign-in lands on the account page.
  return { ok: true, userId, returnTo: crossDevice ? "/account" : record.returnTo, hasPasskey, newAccount, crossDevice };
}
