/** Federated identities: (connection, upstream subject) → user, with what the provider said last. */
import { and, asc, count, eq, sql } from "drizzle-orm";
import { randomToken } from "../lib/crypto";
import { db } from "./client";
import { credentials, federatedIdentities, users } from "./schema";

export type FederatedIdentityRow = typeof federatedIdentities.$inferSelect;

export interface SeenProfile {
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export async function findIdentity(
  d1: D1Database,
  connectionId: string,
  subject: string,
): Promise<FederatedIdentityRow | null> {
  const where = and(eq(federatedIdentities.connectionId, connectionId), eq(federatedIdentities.subject, subject));
  return (await db(d1).select().from(federatedIdentities).where(where).get()) ?? null;
}

export async function listIdentitiesOfUser(d1: D1Database, userId: string): Promise<FederatedIdentityRow[]> {
  return db(d1)
    .select()
    .from(federatedIdentities)
    .where(eq(federatedIdentities.userId, userId))
    .orderBy(asc(federatedIdentities.createdAt))
    .all();
}

/**
 * Links the identity to `userId`. Returns the user it is linked to afterwards: `userId`, or whoever a parallel
 * sign-in linked it to first (the primary key decides), so a race never links one identity to two users.
 */
export async function linkIdentity(
  d1: D1Database,
  link: { connectionId: string; subject: string; userId: string },
  seen: SeenProfile,
  now: number,
): Promise<string | null> {
  await db(d1)
    .insert(federatedIdentities)
    .values({ ...link, ...seen, createdAt: now, lastSignInAt: now })
    .onConflictDoNothing()
    .run();
  return (await findIdentity(d1, link.connectionId, link.subject))?.userId ?? null;
}

/**
 * A new user for a proven address together with its identity, in one batch (never a user without its identity).
 * Null when the address was taken meanwhile (the caller decides again).
 */
export async function createUserWithIdentity(
  d1: D1Database,
  link: { connectionId: string; subject: string },
  seen: SeenProfile & { email: string },
  now: number,
): Promise<string | null> {
  const userId = randomToken(16);
  const d = db(d1);
  try {
    await d.batch([
      d.insert(users).values({ id: userId, email: seen.email, emailVerifiedAt: now, name: seen.name, createdAt: now }),
      d.insert(federatedIdentities).values({ ...link, userId, ...seen, createdAt: now, lastSignInAt: now }),
    ]);
  } catch (err) {
    if (/UNIQUE constraint failed/i.test(String(err))) return null;
    throw err;
  }
  return userId;
}

/**
 * An identity as the user's Durable Object records it on the sessions started through it (so that unlinking it can
 * end them): its connection and upstream subject.
 */
export function identityKey(connectionId: string, subject: string): string {
  return JSON.stringify([connectionId, subject]);
}

/**
 * Removes the identity unless it is the user's last way in: no passkey, no verified address (no link sign-in)
 * and no other identity. One statement, so a parallel unlink cannot remove both of the last two.
 */
export async function unlinkIdentity(
  d1: D1Database,
  key: { userId: string; connectionId: string; subject: string },
): Promise<"unlinked" | "last_way_in" | "not_found"> {
  const f = federatedIdentities;
  const others = sql`(select count(*) from ${f} o where o.user_id = ${key.userId}
    and not (o.connection_id = ${key.connectionId} and o.subject = ${key.subject}))`;
  const passkeys = sql`(select count(*) from ${credentials} c where c.user_id = ${key.userId})`;
  const verified = sql`(select count(*) from ${users} u where u.id = ${key.userId} and u.email_verified_at is not null)`;
  const rows = await db(d1)
    .delete(f)
    .where(
      and(
        eq(f.userId, key.userId),
        eq(f.connectionId, key.connectionId),
        eq(f.subject, key.subject),
        sql`(${others} + ${passkeys} + ${verified}) > 0`,
      ),
    )
    .returning({ subject: f.subject })
    .all();
  if (rows.length === 1) return "unlinked";
  const [row] = await db(d1)
    .select({ n: count() })
    .from(f)
    .where(and(eq(f.userId, key.userId), eq(f.connectionId, key.connectionId), eq(f.subject, key.subject)))
    .all();
  return (row?.n ?? 0) > 0 ? "last_way_in" : "not_found";
}

/** A returning sign-in: what the provider said this time, and when. */
export async function touchIdentity(
  d1: D1Database,
  key: { connectionId: string; subject: string },
  seen: SeenProfile,
  now: number,
): Promise<void> {
  const f = federatedIdentities;
  await db(d1)
    .update(f)
    .set({ ...seen, lastSignInAt: now })
    .where(and(eq(f.connectionId, key.connectionId), eq(f.subject, key.subject)))
    .run();
}
