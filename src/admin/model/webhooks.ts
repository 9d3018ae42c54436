/** Webhook endpoints and their delivery attempts as the admin API and console see them. */
import { and, desc, eq, lt, or } from "drizzle-orm";
import * as v from "valibot";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../../audit/event-types";
import type { Config, Env } from "../../config";
import { db } from "../../db/client";
import { webhookDeliveries } from "../../db/schema";
import { randomToken } from "../../lib/crypto";
import {
  createEndpoint,
  deleteEndpoint,
  type EndpointStatus,
  endpointEvents,
  findEndpoint,
  listEndpoints,
  updateEndpoint,
  type WebhookEndpoint,
} from "../../webhooks/endpoints";
import type { WebhookDeliveryMessage } from "../../webhooks/messages";
import { checkWebhookUrl } from "../../webhooks/url-policy";
import { type PageRequest, pageOf } from "../api/pagination";
import { Problem } from "../api/problem";
import { nullableTimestamp, rfc3339, timestamp } from "../api/wire";

export const webhookSchema = v.object({
  id: v.string(),
  url: v.string(),
  description: v.nullable(v.string()),
  events: v.array(v.picklist(WEBHOOK_EVENT_TYPES)),
  status: v.picklist(["active", "failing"]),
  created_at: timestamp,
  updated_at: timestamp,
});
export type WebhookWire = v.InferOutput<typeof webhookSchema>;

export const createdWebhookSchema = v.object({
  ...webhookSchema.entries,
  secret: v.pipe(v.string(), v.description("The whsec_ signing secret: shown in this answer only")),
});

export const deliverySchema = v.object({
  id: v.string(),
  message_id: v.string(),
  event_type: v.string(),
  attempt: v.number(),
  at: timestamp,
  status_code: v.nullable(v.number()),
  duration_ms: v.number(),
  error: v.nullable(v.string()),
  outcome: v.picklist(["succeeded", "retrying", "failed"]),
  next_attempt_at: nullableTimestamp,
});
type DeliveryWire = v.InferOutput<typeof deliverySchema>;

export function webhookWire(row: WebhookEndpoint): WebhookWire {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: endpointEvents(row) as WebhookEventType[],
    status: row.status as EndpointStatus,
    created_at: rfc3339(row.createdAt),
    updated_at: rfc3339(row.updatedAt),
  };
}

/** The URL as stored, or a 422 naming the field (src/webhooks/url-policy.ts). */
function allowedUrl(config: Config, url: string): string {
  const checked = checkWebhookUrl(url, { allowInsecure: config.insecureDev });
  if (!checked.ok)
    throw new Problem(422, "validation", "The body is invalid.", [{ pointer: "/url", detail: checked.reason }]);
  return checked.url;
}

export async function listWebhooks(d1: D1Database, page: PageRequest) {
  const after = page.after ? { key: Number(page.after.key), id: page.after.id } : null;
  const rows = await listEndpoints(d1, after, page.limit + 1);
  return pageOf(rows, page.limit, (row) => ({ key: row.createdAt, id: row.id }));
}

export async function createWebhook(
  env: Env,
  config: Config,
  fields: { url: string; events: WebhookEventType[]; description?: string | null },
) {
  const url = allowedUrl(config, fields.url);
  const { endpoint, secret } = await createEndpoint(
    env.DB,
    config,
    { url, events: [...new Set(fields.events)], description: fields.description ?? null },
    Date.now(),
  );
  return { ...webhookWire(endpoint), secret };
}

export async function getWebhook(d1: D1Database, id: string): Promise<WebhookEndpoint> {
  const row = await findEndpoint(d1, id);
  if (!row) throw new Problem(404, "not-found", "There is no webhook with this id.");
  return row;
}

export async function updateWebhook(
  env: Env,
  config: Config,
  id: string,
  changes: { url?: string; events?: WebhookEventType[]; description?: string | null; status?: "active" },
): Promise<WebhookEndpoint> {
  const url = changes.url === undefined ? undefined : allowedUrl(config, changes.url);
  const events = changes.events === undefined ? undefined : [...new Set(changes.events)];
  const row = await updateEndpoint(env.DB, id, { ...changes, url, events }, Date.now());
  if (!row) throw new Problem(404, "not-found", "There is no webhook with this id.");
  return row;
}

export async function deleteWebhook(d1: D1Database, id: string): Promise<void> {
  if (!(await deleteEndpoint(d1, id))) throw new Problem(404, "not-found", "There is no webhook with this id.");
}

/** Attempts, newest first; the cursor is (at, id) of the last row. */
export async function listDeliveries(d1: D1Database, endpointId: string, page: PageRequest) {
  await getWebhook(d1, endpointId);
  const t = webhookDeliveries;
  const conditions = [eq(t.endpointId, endpointId)];
  if (page.after) {
    const key = Number(page.after.key);
    conditions.push(or(lt(t.at, key), and(eq(t.at, key), lt(t.id, page.after.id)))!);
  }
  const rows = await db(d1)
    .select()
    .from(t)
    .where(and(...conditions))
    .orderBy(desc(t.at), desc(t.id))
    .limit(page.limit + 1)
    .all();
  const result = pageOf(rows, page.limit, (row) => ({ key: row.at, id: row.id }));
  const data: DeliveryWire[] = result.rows.map((row) => ({
    id: row.id,
    message_id: row.messageId,
    event_type: row.eventType,
    attempt: row.attempt,
    at: rfc3339(row.at),
    status_code: row.statusCode,
    duration_ms: row.durationMs,
    error: row.error,
    outcome: row.outcome as DeliveryWire["outcome"],
    next_attempt_at: rfc3339(row.nextAttemptAt),
  }));
  return { data, next_cursor: result.next_cursor };
}

/** Enqueues a webhook.test message to this endpoint (delivered and retried like any other). */
export async function sendTestEvent(env: Env, id: string): Promise<{ message_id: string }> {
  await getWebhook(env.DB, id);
  const message: WebhookDeliveryMessage = {
    kind: "delivery",
    endpointId: id,
    messageId: `msg_test_${randomToken(12)}`,
    type: "webhook.test",
    at: Date.now(),
    data: { endpoint_id: id },
    attempt: 1,
  };
  if (!env.WEBHOOKS) throw new Problem(503, "unavailable", "The WEBHOOKS queue is not bound.");
  await env.WEBHOOKS.send(message);
  return { message_id: message.messageId };
}
