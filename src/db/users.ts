/** Users table queries. */
import { and, eq, sql } from "drizzle-orm";
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
 * A link mailed to `email` was redeemed by the user it was mailed for: the address is verified (again, after an
 * administrator changed it). Only while it is still the user's address: false when the user is gone or their
 * address changed since the link was mailed, and then the link proves nothing about this account.
 */
export async function confirmEmail(d1: D1Database, userId: string, email: string, now: number): Promise<boolean> {
  const rows = await db(d1)
    .update(users)
    .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})` })
    .where(and(eq(users.id, userId), eq(users.email, email)))
    .returning({ id: users.id })
    .all();
  return rows.length === 1;
}

/**
 * Creates the user for a verified address, or returns the one that already exists (two redemptions
 * racing for a new address end with one user). One statement, so never a half-written user.
 */
export async function upsertVerifiedUser(d1: D1Database, email: string, now: number): Promise<User> {
  const row = await db(d1)
    .insert(users)
    .values({ id: randomToken(16), email, emailVerifiedAt: now, createdAt: now })
    // The link proves the address of an existing user too (one an administrator created, unverified).
    .onConflictDoUpdate({
      target: users.email,
      set: { email, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})` },
    })
    .returning()
    .get();
  return row;
}

/** Stamps a successful sign-in (the admin API shows it); callers run it in waitUntil, off the request path. */
export async function stampLastSignIn(d1: D1Database, userId: string, now: number): Promise<void> {
  await db(d1).update(users).set({ lastSignInAt: now }).where(eq(users.id, userId)).run();
}
