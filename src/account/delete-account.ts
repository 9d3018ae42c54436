/**
 * Deleting an account, the one way both the admin API and the person themself do it: the user's Durable Object is
 * wiped first (every session and refresh family ends at once, so nothing can act for the account while its rows
 * go), then the passkeys and the user row leave D1 in one batch. The audit log keeps a tombstone: the id, the time
 * and who did it, never the address; the user's earlier events lose their IP, country and user agent.
 */

import { eq } from "drizzle-orm";
import type { AuditSink } from "../audit/record";
import { recordEvents } from "../audit/record";
import type { Env } from "../config";
import { db } from "../db/client";
import { auditEvents, credentials, users } from "../db/schema";
import { findUserById } from "../db/users";
import { emailObject, userObject } from "../user/user-object";

/** False when there is no such user. `actor` is "user" for self-service, "admin:…" from the admin API. */
export async function deleteAccount(env: Env, sink: AuditSink, userId: string, actor: string): Promise<boolean> {
  const user = await findUserById(env.DB, userId);
  if (!user) return false;
  await userObject(env, userId).wipe(Date.now());
  // A sign-in link still live for the address would create a new account for it: it ends too.
  await emailObject(env, user.email).endLiveLink();
  const d = db(env.DB);
  await d.batch([
    d.delete(credentials).where(eq(credentials.userId, userId)),
    d.delete(users).where(eq(users.id, userId)),
    // The user's earlier events stay (what happened, and when) but no longer say where the person was.
    d.update(auditEvents).set({ ip: null, country: null, userAgent: null }).where(eq(auditEvents.userId, userId)),
  ]);
  // A person deleting their own account leaves no trace of where they were, in the tombstone either.
  const tombstoneSink = actor === "user" ? { ...sink, facts: undefined } : sink;
  recordEvents(tombstoneSink, { type: "user.deleted", userId, actor, detail: {} });
  return true;
}
