/** The messages on the WEBHOOKS queue (src/webhooks/consumer.ts consumes them). */
import type { WebhookEventMessage, WebhookEventType } from "../audit/event-types";

/** One delivery (first attempt or a retry) of one message to one endpoint. */
export interface WebhookDeliveryMessage {
  kind: "delivery";
  endpointId: string;
  /** The webhook-id header, the same on every attempt. */
  messageId: string;
  type: WebhookEventType | "webhook.test";
  at: number;
  data: Record<string, unknown>;
  /** 1 for the first attempt. */
  attempt: number;
}

export type { WebhookEventMessage };
export type WebhookMessage = WebhookEventMessage | WebhookDeliveryMessage;
