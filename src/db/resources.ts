/** Queries for resource servers (APIs) and the scopes clients are granted on them (client_grants). */
import { and, count, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import { db } from "./client";
import { clientGrants, clients, resourceServers } from "./schema";

export type ResourceServerRow = typeof resourceServers.$inferSelect;
export type ClientGrantRow = typeof clientGrants.$inferSelect;

/** The registry holds at most this many resources (the admin API refuses more), so it is read whole. */
export const MAX_RESOURCE_SERVERS = 500;

export async function listResourceServerRows(d1: D1Database): Promise<ResourceServerRow[]> {
  return db(d1).select().from(resourceServers).orderBy(resourceServers.identifier).limit(MAX_RESOURCE_SERVERS).all();
}

export async function listClientGrantRows(d1: D1Database, clientId: string): Promise<ClientGrantRow[]> {
  return db(d1).select().from(clientGrants).where(eq(clientGrants.clientId, clientId)).all();
}

export async function findResourceServerRow(d1: D1Database, id: string): Promise<ResourceServerRow | null> {
  return (await db(d1).select().from(resourceServers).where(eq(resourceServers.id, id)).get()) ?? null;
}

export async function countResourceServers(d1: D1Database): Promise<number> {
  const row = await db(d1).select({ n: count() }).from(resourceServers).get();
  return row?.n ?? 0;
}

/** Newest first after (created_at, id); `limit` rows at most. */
export async function listResourceServerPage(
  d1: D1Database,
  after: { key: number; id: string } | null,
  limit: number,
): Promise<ResourceServerRow[]> {
  const t = resourceServers;
  return db(d1)
    .select()
    .from(t)
    .where(after ? or(lt(t.createdAt, after.key), and(eq(t.createdAt, after.key), lt(t.id, after.id))) : undefined)
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(limit)
    .all();
}

/** False when the identifier is taken (the unique index decides, so two concurrent creates cannot both win). */
export async function insertResourceServer(d1: D1Database, row: ResourceServerRow): Promise<boolean> {
  const result = await db(d1).insert(resourceServers).values(row).onConflictDoNothing().run();
  return result.meta.changes > 0;
}

/**
 * Writes the resource's new fields and, in the same batch, drops from every client grant on it the scopes it no
 * longer defines. Null when there is no such resource.
 */
export async function updateResourceServer(
  d1: D1Database,
  id: string,
  fields: Partial<Pick<ResourceServerRow, "name" | "scopes" | "accessTokenTtlSeconds" | "introspectionClients">>,
  now: number,
): Promise<ResourceServerRow | null> {
  const d = db(d1);
  const update = d
    .update(resourceServers)
    .set({ ...fields, updatedAt: now })
    .where(eq(resourceServers.id, id))
    .returning();
  if (fields.scopes === undefined) return (await update.all())[0] ?? null;
  const kept = JSON.stringify((JSON.parse(fields.scopes) as { value: string }[]).map((s) => s.value));
  const keptOnly = sql`(SELECT json_group_array(value) FROM json_each(${clientGrants.scopes}) WHERE value IN (SELECT value FROM json_each(${kept})))`;
  const [rows] = await d.batch([
    update,
    d.update(clientGrants).set({ scopes: keptOnly, updatedAt: now }).where(eq(clientGrants.resourceId, id)),
  ]);
  return rows[0] ?? null;
}

/** Deletes the resource and every client grant on it in one batch; false when there was none. */
export async function deleteResourceServer(d1: D1Database, id: string): Promise<boolean> {
  const d = db(d1);
  const [, removed] = await d.batch([
    d.delete(clientGrants).where(eq(clientGrants.resourceId, id)),
    d.delete(resourceServers).where(eq(resourceServers.id, id)).returning({ id: resourceServers.id }),
  ]);
  return removed.length > 0;
}

export async function findClientGrantRow(
  d1: D1Database,
  clientId: string,
  resourceId: string,
): Promise<ClientGrantRow | null> {
  return (
    (await db(d1)
      .select()
      .from(clientGrants)
      .where(and(eq(clientGrants.clientId, clientId), eq(clientGrants.resourceId, resourceId)))
      .get()) ?? null
  );
}

/** Sets the scopes `clientId` is granted on `resourceId` (created or replaced). */
export async function upsertClientGrant(
  d1: D1Database,
  clientId: string,
  resourceId: string,
  scopes: string[],
  now: number,
): Promise<ClientGrantRow> {
  const value = JSON.stringify(scopes);
  const rows = await db(d1)
    .insert(clientGrants)
    .values({ clientId, resourceId, scopes: value, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [clientGrants.clientId, clientGrants.resourceId],
      set: { scopes: value, updatedAt: now },
    })
    .returning()
    .all();
  return rows[0]!;
}

export async function deleteClientGrant(d1: D1Database, clientId: string, resourceId: string): Promise<boolean> {
  const rows = await db(d1)
    .delete(clientGrants)
    .where(and(eq(clientGrants.clientId, clientId), eq(clientGrants.resourceId, resourceId)))
    .returning({ id: clientGrants.resourceId })
    .all();
  return rows.length > 0;
}

/** Which of `ids` name no client (for introspection_clients). */
export async function unknownClientIds(d1: D1Database, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await db(d1)
    .select({ id: clients.id })
    .from(clients)
    .where(inArray(clients.id, [...ids]))
    .all();
  const known = new Set(found.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}
