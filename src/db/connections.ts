/** Upstream identity provider connections (federation) in D1. */
import { asc, count, eq, inArray } from "drizzle-orm";
import { db } from "./client";
import { connections } from "./schema";

export type ConnectionRow = typeof connections.$inferSelect;
export type NewConnectionRow = typeof connections.$inferInsert;

/** At most this many connections: each is a button on the sign-in page. */
export const MAX_CONNECTIONS = 50;

/** Oldest first: the order of the sign-in page's buttons. */
export async function listConnectionRows(d1: D1Database): Promise<ConnectionRow[]> {
  return db(d1).select().from(connections).orderBy(asc(connections.createdAt), asc(connections.id)).all();
}

export async function countConnections(d1: D1Database): Promise<number> {
  return (await db(d1).select({ n: count() }).from(connections).get())?.n ?? 0;
}

export async function findConnectionRow(d1: D1Database, id: string): Promise<ConnectionRow | null> {
  return (await db(d1).select().from(connections).where(eq(connections.id, id)).get()) ?? null;
}

/** Which of `ids` name a connection (enabled or not). */
export async function existingConnectionIds(d1: D1Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db(d1)
    .select({ id: connections.id })
    .from(connections)
    .where(inArray(connections.id, [...ids]))
    .all();
  return new Set(rows.map((r) => r.id));
}

/** False when the id is taken. */
export async function insertConnectionRow(d1: D1Database, row: NewConnectionRow): Promise<boolean> {
  const rows = await db(d1)
    .insert(connections)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: connections.id })
    .all();
  return rows.length === 1;
}

export async function updateConnectionRow(
  d1: D1Database,
  id: string,
  set: Partial<NewConnectionRow>,
): Promise<ConnectionRow | null> {
  return (await db(d1).update(connections).set(set).where(eq(connections.id, id)).returning().get()) ?? null;
}

/** Its federated identities go with it (ON DELETE CASCADE). */
export async function deleteConnectionRow(d1: D1Database, id: string): Promise<boolean> {
  const rows = await db(d1).delete(connections).where(eq(connections.id, id)).returning({ id: connections.id }).all();
  return rows.length === 1;
}

/** A connection as the sign-in page shows it: a "Continue with" button. */
export interface SignInConnection {
  id: string;
  displayName: string;
}

const SIGN_IN_CONNECTIONS_TTL_MS = 60_000;
let signInCache: { at: number; list: Promise<SignInConnection[]> } | null = null;

/**
 * The enabled connections, oldest first, cached for a minute per isolate: every sign-in page shows them, and
 * they change only when an administrator edits one (which clears this isolate's copy at once).
 */
export function signInConnections(d1: D1Database, now = Date.now()): Promise<SignInConnection[]> {
  if (signInCache && now - signInCache.at < SIGN_IN_CONNECTIONS_TTL_MS) return signInCache.list;
  const list = db(d1)
    .select({ id: connections.id, displayName: connections.displayName })
    .from(connections)
    .where(eq(connections.enabled, true))
    .orderBy(asc(connections.createdAt), asc(connections.id))
    .all();
  const entry = { at: now, list };
  signInCache = entry;
  // A failed read is not kept: the next page asks again.
  list.catch(() => {
    if (signInCache === entry) signInCache = null;
  });
  return list;
}

/** The enabled connections a client's sign-in page offers: those it allows (`allowed`; null = all). */
export function offeredConnections(
  enabled: readonly SignInConnection[],
  allowed: readonly string[] | null,
): SignInConnection[] {
  return allowed === null ? [...enabled] : enabled.filter((c) => allowed.includes(c.id));
}

export function forgetSignInConnections(): void {
  signInCache = null;
}
