/** Upstream identity provider connections (federation) in D1. */
import { asc, count, eq } from "drizzle-orm";
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
