/**
 * Redeeming a magic link: the token is consumed exactly once in a Durable Object — the user's, or for an
 * address with no account yet the one keyed by the normalized email — and only then is a session made.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { countCredentials } from "../db/credentials";
import { upsertVerifiedUser } from "../db/users";
import { startSession } from "../sessions/session";
import { emailObject } from "../sessions/user-object";
import { forgetMagicLink, loadMagicLink } from "./magic-link-store";

export type RedeemResult =
  | { ok: true; userId: string; returnTo: string; hasPasskey: boolean; newAccount: boolean }
  | { ok: false; reason: "invalid" | "used" };

export async function redeemMagicLink(c: Context<AppEnv>, token: string, now: number): Promise<RedeemResult> {
  const found = await loadMagicLink(c.env, token, now);
  if (!found) return { ok: false, reason: "invalid" };
  const { hash, record } = found;
  const consume = { id: `link:${hash}`, expiresAt: record.expiresAt };
  let userId = record.userId;
  let newAccount = false;
  if (userId === null) {
    // Sign-up: the address's own object guards the token until the user exists.
    if (!(await emailObject(c.env, record.email).consumeOnce(consume))) return { ok: false, reason: "used" };
    // The address is now verified: it becomes a user (or finds the one a parallel sign-up made).
    const user = await upsertVerifiedUser(c.env.DB, record.email, now);
    newAccount = user.createdAt === now;
    userId = user.id;
    const session = await startSession(c, { userId, method: "email", amr: ["email"], consume: null }, now);
    if (!session) return { ok: false, reason: "used" };
  } else {
    const session = await startSession(c, { userId, method: "email", amr: ["email"], consume }, now);
    if (!session) return { ok: false, reason: "used" };
  }
  c.executionCtx.waitUntil(forgetMagicLink(c.env, hash));
  const hasPasskey = (await countCredentials(c.env.DB, userId)) > 0;
  return { ok: true, userId, returnTo: record.returnTo, hasPasskey, newAccount };
}
