/**
 * Worker entry: the Hono app for fetch, key rotation on the cron trigger, webhook delivery on the WEBHOOKS queue
 * (its consumer loaded on the first batch), and the per-user Durable Object.
 */
import { app } from "./app";
import type { Env } from "./config";
import { drainRequestBody } from "./lib/drain-body";
import { runScheduled } from "./scheduled";
import type { WebhookMessage } from "./webhooks/messages";

export { LimiterDO } from "./limiter/limiter-do";
export { UserDO } from "./user/user-do";

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    try {
      return await app.fetch(request, env, ctx);
    } finally {
      // Every request gets Latchkey's own answer under `wrangler dev` too (src/lib/drain-body.ts).
      await drainRequestBody(request);
    }
  },
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime));
  },
  async queue(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
    const { consumeWebhooks } = await import("./webhooks/consumer");
    await consumeWebhooks(batch, env);
  },
} satisfies ExportedHandler<Env, WebhookMessage>;
