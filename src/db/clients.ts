/** Drizzle queries for the clients table (RFC 7591 registrations). */
import { eq } from "drizzle-orm";
import { db } from "./client";
import { clients } from "./schema";

export type ClientRow = typeof clients.$inferSelect;
export type NewClientRow = typeof clients.$inferInsert;

export async function findClientRow(d1: D1Database, id: string): Promise<ClientRow | null> {
  const row = await db(d1).select().from(clients).where(eq(clients.id, id)).get();
  return row ?? null;
}

export async function insertClientRow(d1: D1Database, row: NewClientRow): Promise<void> {
  await db(d1).insert(clients).values(row).run();
}

/** INSERT OR IGNORE: leaves an existing row with the same id untouched. */
export async function insertClientRowIfAbsent(d1: D1Database, row: NewClientRow): Promise<void> {
  await db(d1).insert(clients).values(row).onConflictDoNothing({ target: clients.id }).run();
}
