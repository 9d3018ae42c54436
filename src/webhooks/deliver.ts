/**
 * One delivery attempt: sign, POST with a timeout, record the attempt, and schedule the next one (or mark the
 * endpoint failing once the schedule is exhausted). Throws only when nothing reached the receiver or the attempt
 * failed, so the queue's own retry of this message can never deliver a message twice to a receiver that took it.
 */
import { writeEvents } from "../audit/record";
import type { Config, Env } from "../config";
import { db } from "../db/client";
import { webhookDeliveries } from "../db/schema";
import { randomToken } from "../lib/crypto";
import { endpointSecret, findEndpoint, updateEndpoint } from "./endpoints";
import type { WebhookDeliveryMessage } from "./messages";
import { signWebhook } from "./signature";

/** A receiver that has not answered in this time has failed this attempt (and no longer holds the consumer). */
const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 200;

interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Standard Webhooks "Payload structure": {type, timestamp (RFC 3339), data}. */
function webhookBody(message: WebhookDeliveryMessage): string {
  return JSON.stringify({ type: message.type, timestamp: new Date(message.at).toISOString(), data: message.data });
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
  const started = Date.now();
  try {
    // Redirects are not followed: a 3xx is a failed attempt, so a receiver cannot bounce us to another address.
    const res = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 300;
    return { statusCode: res.status, error: ok ? null : `HTTP ${res.status}`, durationMs: Date.now() - started };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    const error = timedOut ? `timeout after ${DELIVERY_TIMEOUT_MS} ms` : String(err).slice(0, MAX_ERROR_LENGTH);
    return { statusCode: null, error, durationMs: Date.now() - started };
  }
}

/** Delivery row ids sort by time (a 12-digit base-36 millisecond prefix), then by randomness. */
function deliveryId(now: number): string {
  return `${now.toString(36).padStart(12, "0")}${randomToken(8)}`;
}

export async function deliver(
  env: Env,
  config: Config,
  message: WebhookDeliveryMessage,
  now = Date.now,
): Promise<void> {
  const endpoint = await findEndpoint(env.DB, message.endpointId);
  // Deleted meanwhile: nothing to deliver to and nowhere to record it.
  if (!endpoint) return;
  const body = webhookBody(message);
  const timestamp = Math.floor(now() / 1000);
  const headers = {
    "Content-Type": "application/json",
    "User-Agent": "Latchkey-Webhooks/1",
    "webhook-id": message.messageId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signWebhook(await endpointSecret(config, endpoint), message.messageId, timestamp, body),
  };
  const at = now();
  const result = await post(endpoint.url, headers, body);
  const delays = config.webhookRetryDelays;
  const retry = result.error !== null && message.attempt <= delays.length;
  const delay = retry ? delays[message.attempt - 1]! : null;
  const row = {
    id: deliveryId(at),
    endpointId: endpoint.id,
    messageId: message.messageId,
    eventType: message.type,
    attempt: message.attempt,
    at,
    statusCode: result.statusCode,
    durationMs: result.durationMs,
    error: result.error,
    outcome: result.error === null ? "succeeded" : retry ? "retrying" : "failed",
    nextAttemptAt: delay === null ? null : at + delay * 1000,
  };
  if (result.error === null) {
    // Delivered: a failure to record it must not make the queue deliver it again.
    await db(env.DB)
      .insert(webhookDeliveries)
      .values(row)
      .catch((err: unknown) => console.error(JSON.stringify({ event: "webhook_record_failed", reason: String(err) })));
    return;
  }
  await db(env.DB).insert(webhookDeliveries).values(row);
  if (delay !== null) {
    // The retry lives in the queue, so it survives a restart of the Worker.
    await env.WEBHOOKS!.send({ ...message, attempt: message.attempt + 1 }, { delaySeconds: delay });
    return;
  }
  await updateEndpoint(env.DB, endpoint.id, { status: "failing" }, at);
  await writeEvents(
    env,
    { ip: null, country: null, userAgent: null },
    [
      {
        type: "webhook.failing",
        outcome: "failure",
        actor: "system",
        detail: { endpoint_id: endpoint.id, message_id: message.messageId, attempts: message.attempt },
      },
    ],
    at,
  );
}
