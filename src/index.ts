/** Worker entry: the Hono app for fetch, key rotation on the cron trigger, and the per-user Durable Object. */
import { app } from "./app";
import type { Env } from "./config";
import { runScheduled } from "./scheduled";

export { LimiterDO } from "./abuse/limiter-do";
export { UserDO } from "./sessions/user-do";

export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
