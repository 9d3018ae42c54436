/** The webhook endpoint store (D1 webhook_endpoints): the signing secret is sealed (src/keys/crypto-box.ts). */
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { WebhookEventType } from "../audit/event-types";
import type { Config } from "../config";
import { db } from "../db/client";
import { webhookEndpoints } from "../db/schema";
import { decryptString, encryptString } from "../keys/crypto-box";
import { randomToken } from "../lib/crypto";
import { newWebhookSecret } from "./signature";

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type EndpointStatus = "active" | "failing";

export interface EndpointFields {
  url: string;
  events: WebhookEventType[];
  description: string | null;
}

/** The subscribed event types of a row (a JSON array). */
export function endpointEvents(row: WebhookEndpoint): string[] {
  try {
    const events = JSON.parse(row.events) as unknown;
    return Array.isArray(events) ? events.filter((e): e is string => typeof e === "string") : [];
  } catch {
    return [];
  }
}

/** Creates an endpoint; the plain secret is returned here and never again. */
export async function createEndpoint(
  d1: D1Database,
  config: Config,
  fields: EndpointFields,
  now: number,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const id = `ep_${randomToken(12)}`;
  const secret = newWebhookSecret();
  // The id is the additional data: a sealed secret copied to another row does not open there.
  const secretEnc = await encryptString(config.keyEncryptionSecret, secret, id, "webhook-secret");
  const row = {
    id,
    url: fields.url,
    description: fields.description,
    events: JSON.stringify(fields.events),
    secretEnc,
    status: "active",
    createdAt: now,
    updatedAt: now,
  };
  await db(d1).insert(webhookEndpoints).values(row);
  return { endpoint: row, secret };
}

export function endpointSecret(config: Config, row: WebhookEndpoint): Promise<string> {
  return decryptString(config.keyEncryptionSecret, row.secretEnc, row.id, "webhook-secret");
}

export async function findEndpoint(d1: D1Database, id: string): Promise<WebhookEndpoint | null> {
  return (await db(d1).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get()) ?? null;
}

/** Newest first, after the cursor (created_at, id). */
export function listEndpoints(
  d1: D1Database,
  after: { key: number; id: string } | null,
  limit: number,
): Promise<WebhookEndpoint[]> {
  const t = webhookEndpoints;
  return db(d1)
    .select()
    .from(t)
    .where(after ? or(lt(t.createdAt, after.key), and(eq(t.createdAt, after.key), lt(t.id, after.id))) : undefined)
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(limit)
    .all();
}

/** Active endpoints subscribed to `type` (the table is small: an admin creates its rows by hand). */
export async function subscribedEndpoints(d1: D1Database, type: string): Promise<WebhookEndpoint[]> {
  const rows = await db(d1).select().from(webhookEndpoints).where(eq(webhookEndpoints.status, "active")).all();
  return rows.filter((row) => endpointEvents(row).includes(type));
}

export async function updateEndpoint(
  d1: D1Database,
  id: string,
  changes: Partial<EndpointFields> & { status?: EndpointStatus },
  now: number,
): Promise<WebhookEndpoint | null> {
  const set: Partial<WebhookEndpoint> = { updatedAt: now };
  if (changes.url !== undefined) set.url = changes.url;
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.events !== undefined) set.events = JSON.stringify(changes.events);
  if (changes.status !== undefined) set.status = changes.status;
  return (await db(d1).update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, id)).returning().get()) ?? null;
}

/** Deletes the endpoint (its delivery rows go with it: ON DELETE CASCADE). */
export async function deleteEndpoint(d1: D1Database, id: string): Promise<boolean> {
  const gone = await db(d1).delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning().all();
  return gone.length > 0;
}
