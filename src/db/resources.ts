/** Queries for resource servers (APIs) and the scopes clients are granted on them (client_grants). */
import { eq } from "drizzle-orm";
import { db } from "./client";
import { clientGrants, resourceServers } from "./schema";

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
