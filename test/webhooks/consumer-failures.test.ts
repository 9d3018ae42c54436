/**
 * What the consumer does when its own storage fails (src/webhooks/consumer.ts): the message is handed back to the
 * queue (msg.retry) unless the receiver already took it, which is never delivered twice. The consumer runs here on
 * a hand-made batch against the real D1, with writes to webhook_deliveries (or every read) made to fail.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config";
import { consumeWebhooks } from "../../src/webhooks/consumer";
import type { WebhookMessage } from "../../src/webhooks/messages";
import { endpointFor, received, receiverName } from "../helpers/webhook-receiver";

/** The real D1, except that statements whose SQL matches `failing` throw like a lost connection. */
function failingDb(failing: RegExp): D1Database {
  const real = env.DB;
  const broken = (): D1PreparedStatement => {
    const fail = () => Promise.reject(new Error("D1_ERROR: injected fault: Network connection lost."));
    const statement = { bind: () => statement, run: fail, all: fail, raw: fail, first: fail };
    return statement as unknown as D1PreparedStatement;
  };
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => (failing.test(sql) ? broken() : target.prepare(sql));
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function batchOf(body: WebhookMessage) {
  const message = { id: "m1", timestamp: new Date(), attempts: 1, body, ack: vi.fn(), retry: vi.fn() };
  const batch = { queue: "latchkey-webhooks", messages: [message], ackAll: vi.fn(), retryAll: vi.fn() };
  return { batch: batch as unknown as MessageBatch<WebhookMessage>, message };
}

function delivery(endpointId: string): WebhookMessage {
  return {
    kind: "delivery",
    endpointId,
    messageId: `msg_fault_${crypto.randomUUID()}`,
    type: "webhook.test",
    at: Date.now(),
    data: {},
    attempt: 1,
  };
}

describe("webhook consumer under storage faults", () => {
  it("acknowledges a delivery the receiver took even when recording it fails: no second delivery", async () => {
    const name = receiverName("ok");
    const endpoint = await endpointFor(name, ["user.created"]);
    const faulty = { ...(env as unknown as Env), DB: failingDb(/insert into "webhook_deliveries"/i) };
    const { batch, message } = batchOf(delivery(endpoint.id));
    await consumeWebhooks(batch, faulty);
    expect(message.ack).toHaveBeenCalledTimes(1);
    expect(message.retry).not.toHaveBeenCalled();
    expect((await received(name)).map((h) => h.answered)).toEqual([204]);
  });

  it("hands a failed attempt it could not record back to the queue", async () => {
    const name = receiverName("fail");
    const endpoint = await endpointFor(name, ["user.created"]);
    const faulty = { ...(env as unknown as Env), DB: failingDb(/insert into "webhook_deliveries"/i) };
    const { batch, message } = batchOf(delivery(endpoint.id));
    await consumeWebhooks(batch, faulty);
    expect(message.retry).toHaveBeenCalledTimes(1);
    expect(message.retry).toHaveBeenCalledWith({ delaySeconds: 10 });
    expect(message.ack).not.toHaveBeenCalled();
  });

  it("hands an event back to the queue when the endpoints cannot be read", async () => {
    const faulty = { ...(env as unknown as Env), DB: failingDb(/webhook_endpoints/i) };
    const { batch, message } = batchOf({
      kind: "event",
      eventId: "evt-fault",
      type: "user.created",
      at: Date.now(),
      data: {},
    });
    await consumeWebhooks(batch, faulty);
    expect(message.retry).toHaveBeenCalledTimes(1);
    expect(message.ack).not.toHaveBeenCalled();
  });
});
