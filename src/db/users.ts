/** Users table queries. */
import { eq, sql } from "drizzle-orm";
import { randomToken } from "../lib/crypto";
import { db, prepared } from "./client";
import { users } from "./schema";

export type User = typeof users.$inferSelect;

export async function findUserByEmail(d1: D1Database, email: string): Promise<User | null> {
  return (await db(d1).select().from(users).where(eq(users.email, email)).get()) ?? null;
}

export async function findUserById(d1: D1Database, id: string): Promise<User | null> {
  const query = prepared(d1, "findUserById", (d) =>
    d
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder("id")))
      .prepare(),
  );
  return (await query.get({ id })) ?? null;
}

/**
 * Creates the user for a verified address, or returns the one that already exists (two redemptions
 * racing for a new address end with one user). One statement, so never a half-written user.
 */
export async function upsertVerifiedUser(d1: D1Database, email: string, now: number): Promise<User> {
  const row = await db(d1)
    .insert(users)
    .values({ id: randomToken(16), email, emailVerifiedAt: now, createdAt: now })
    .onConflictDoUpdate({ target: users.email, set: { email } })
    .returning()
    .get();
  return row;
}

/** Stamps a successful sign-in (the admin API shows it); callers run it in waitUntil, off the request path. */
export async function stampLastSignIn(d1: D1Database, userId: string, now: number): Promise<void> {
  await db(d1).update(users).set({ lastSignInAt: now }).where(eq(users.id, userId)).run();
}
