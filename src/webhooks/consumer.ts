/**
 * The WEBHOOKS queue consumer (loaded on the first batch, src/index.ts): an event message fans out to one delivery
 * message per active endpoint subscribed to its type; a delivery message is one attempt (deliver.ts). The messages
 * of a batch run concurrently, so a receiver that hangs holds up no other. A message whose handling throws is
 * retried by the queue, never dropped.
 */
import type { Env } from "../config";
import { getConfig } from "../config";
import { deliver } from "./deliver";
import { subscribedEndpoints } from "./endpoints";
import type { WebhookDeliveryMessage, WebhookEventMessage, WebhookMessage } from "./messages";

/** Queues: sendBatch takes at most 100 messages. */
const SEND_BATCH_LIMIT = 100;
/**
 * How long the queue waits before handing a message that threw back to the consumer: 10 s, doubling per try up to
 * the Queues maximum of 12 h, so max_retries = 100 (wrangler.toml) outlasts a storage outage of weeks.
 */
function consumerRetryDelay(attempts: number): number {
  return Math.min(43_200, 10 * 2 ** Math.min(Math.max(attempts - 1, 0), 12));
}

async function fanOut(env: Env, event: WebhookEventMessage): Promise<void> {
  const endpoints = await subscribedEndpoints(env.DB, event.type);
  // The same event and endpoint always give the same webhook-id, so a receiver can drop a repeat of a fan-out.
  const messages = endpoints.map((endpoint) => ({
    body: {
      kind: "delivery",
      endpointId: endpoint.id,
      messageId: `msg_${event.eventId}_${endpoint.id}`,
      type: event.type,
      at: event.at,
      data: event.data,
      attempt: 1,
    } satisfies WebhookDeliveryMessage,
  }));
  for (let i = 0; i < messages.length; i += SEND_BATCH_LIMIT) {
    await env.WEBHOOKS!.sendBatch(messages.slice(i, i + SEND_BATCH_LIMIT));
  }
}

export async function consumeWebhooks(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  const config = getConfig(env);
  await Promise.all(
    batch.messages.map(async (msg) => {
      try {
        if (msg.body.kind === "event") await fanOut(env, msg.body);
        else await deliver(env, config, msg.body);
        msg.ack();
      } catch (err) {
        console.error(JSON.stringify({ event: "webhook_message_failed", kind: msg.body.kind, reason: String(err) }));
        msg.retry({ delaySeconds: consumerRetryDelay(msg.attempts) });
      }
    }),
  );
}
