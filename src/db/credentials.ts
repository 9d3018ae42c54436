/** Passkey credential queries. */
import { and, count, eq, sql } from "drizzle-orm";
import { db, prepared } from "./client";
import { credentials, users } from "./schema";

export type Credential = typeof credentials.$inferSelect;
export type NewCredential = typeof credentials.$inferInsert;

export async function findCredential(d1: D1Database, id: string): Promise<Credential | null> {
  const query = prepared(d1, "findCredential", (d) =>
    d
      .select()
      .from(credentials)
      .where(eq(credentials.id, sql.placeholder("id")))
      .prepare(),
  );
  return (await query.get({ id })) ?? null;
}

export async function listCredentials(d1: D1Database, userId: string): Promise<Credential[]> {
  return db(d1).select().from(credentials).where(eq(credentials.userId, userId)).orderBy(credentials.createdAt).all();
}

/**
 * The passkeys of the user with this address, in one query whether or not the address is known, so the
 * email-hinted sign-in does the same storage work for both (no timing hint of account existence).
 */
export async function listCredentialsByEmail(d1: D1Database, email: string): Promise<Credential[]> {
  const rows = await db(d1)
    .select({ credential: credentials })
    .from(users)
    .innerJoin(credentials, eq(credentials.userId, users.id))
    .where(eq(users.email, email))
    .orderBy(credentials.createdAt)
    .all();
  return rows.map((r) => r.credential);
}

export async function countCredentials(d1: D1Database, userId: string): Promise<number> {
  const row = await db(d1).select({ n: count() }).from(credentials).where(eq(credentials.userId, userId)).get();
  return row?.n ?? 0;
}

/** Inserts a new credential; false when that credential id is already registered (WebAuthn L3 §7.1 step 26). */
export async function insertCredential(d1: D1Database, cred: NewCredential): Promise<boolean> {
  const rows = await db(d1)
    .insert(credentials)
    .values(cred)
    .onConflictDoNothing()
    .returning({ id: credentials.id })
    .all();
  return rows.length === 1;
}

/**
 * Records a successful assertion: new counter, backup flags (WebAuthn L3 §7.2 steps 19-22; the write never
 * clears backup eligibility), last use.
 * The counter rule of step 22 is part of the write (the new counter is greater than the stored one, or both are 0),
 * so two assertions racing with the same counter cannot both be recorded. False when nothing was written: the
 * stored counter moved past this assertion meanwhile, or the credential is gone.
 */
export async function recordAssertion(
  d1: D1Database,
  id: string,
  update: { counter: number; backupEligible: boolean; backupState: boolean; lastUsedAt: number },
): Promise<boolean> {
  const query = prepared(d1, "recordAssertion", (d) =>
    d
      .update(credentials)
      // Drizzle's set() takes no placeholders; raw SQL fragments do (booleans bound as SQLite's 0/1 below).
      .set({
        counter: sql`${sql.placeholder("counter")}`,
        backupEligible: sql`max(${credentials.backupEligible}, ${sql.placeholder("be")})`,
        backupState: sql`${sql.placeholder("bs")}`,
        lastUsedAt: sql`${sql.placeholder("lastUsedAt")}`,
      })
      .where(
        and(
          eq(credentials.id, sql.placeholder("id")),
          sql`(${sql.placeholder("counter")} > ${credentials.counter}
            OR (${sql.placeholder("counter")} = 0 AND ${credentials.counter} = 0))`,
        ),
      )
      .prepare(),
  );
  const result = await query.run({
    id,
    counter: update.counter,
    be: update.backupEligible ? 1 : 0,
    bs: update.backupState ? 1 : 0,
    lastUsedAt: update.lastUsedAt,
  });
  return result.meta.changes === 1;
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
