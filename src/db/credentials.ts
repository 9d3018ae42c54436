/** Passkey credential queries. */
import { and, count, eq } from "drizzle-orm";
import { db } from "./client";
import { credentials } from "./schema";

export type Credential = typeof credentials.$inferSelect;
export type NewCredential = typeof credentials.$inferInsert;

export async function findCredential(d1: D1Database, id: string): Promise<Credential | null> {
  return (await db(d1).select().from(credentials).where(eq(credentials.id, id)).get()) ?? null;
}

export async function listCredentials(d1: D1Database, userId: string): Promise<Credential[]> {
  return db(d1).select().from(credentials).where(eq(credentials.userId, userId)).orderBy(credentials.createdAt).all();
}

export async function countCredentials(d1: D1Database, userId: string): Promise<number> {
  const row = await db(d1).select({ n: count() }).from(credentials).where(eq(credentials.userId, userId)).get();
  return row?.n ?? 0;
}

/** Inserts a new credential; false when that credential id is already registered (WebAuthn L3 §7.1 step 26). */
export async function insertCredential(d1: D1Database, cred: NewCredential): Promise<boolean> {
  const rows = await db(d1).insert(credentials).values(cred).onConflictDoNothing().returning({ id: credentials.id }).all();
  return rows.length === 1;
}

/** Records a successful assertion: new counter, refreshed backup flags (WebAuthn L3 §7.2 steps 19-22), last use. */
export async function recordAssertion(
  d1: D1Database,
  id: string,
  update: { counter: number; backupEligible: boolean; backupState: boolean; lastUsedAt: number },
): Promise<void> {
  await db(d1).update(credentials).set(update).where(eq(credentials.id, id)).run();
}

export async function renameCredential(d1: D1Database, userId: string, id: string, name: string): Promise<boolean> {
  const rows = await db(d1)
    .update(credentials)
    .set({ name })
    .where(and(eq(credentials.id, id), eq(credentials.userId, userId)))
    .returning({ id: credentials.id })
    .all();
  return rows.length === 1;
}

export async function deleteCredential(d1: D1Database, userId: string, id: string): Promise<boolean> {
  const rows = await db(d1)
    .delete(credentials)
    .where(and(eq(credentials.id, id), eq(credentials.userId, userId)))
    .returning({ id: credentials.id })
    .all();
  return rows.length === 1;
}
