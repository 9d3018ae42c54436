/** Console routes for webhooks: endpoints (list, add: the secret shown once), deliveries, a test event. */
import { Hono } from "hono";
import type { AppEnv } from "../../app-types";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../../audit/event-types";
import { ApiError } from "../../errors";
import { csrfToken } from "../../sessions/browser";
import { renderPage } from "../../ui/render";
import { pageRequest } from "../api/pagination";
import { createWebhook, getWebhook, listDeliveries, listWebhooks, sendTestEvent, webhookWire } from "../model/webhooks";
import { consoleForm } from "./form";
import { WebhookCreatedPage, WebhookPage, WebhooksPage } from "./webhooks-page";

export const consoleWebhookRoutes = new Hono<AppEnv>();

consoleWebhookRoutes.get("/webhooks", async (c) => {
  const page = await listWebhooks(c.env.DB, pageRequest({ cursor: c.req.query("cursor") }));
  const next = page.next_cursor ? `/admin/webhooks?${new URLSearchParams({ cursor: page.next_cursor })}` : null;
  return renderPage(c, <WebhooksPage csrf={await csrfToken(c)} webhooks={page.rows.map(webhookWire)} next={next} />);
});

consoleWebhookRoutes.post("/webhooks", async (c) => {
  const form = await consoleForm(c);
  // One checkbox per type, each its own field (readForm refuses a repeated name).
  const events: WebhookEventType[] = WEBHOOK_EVENT_TYPES.filter((t) => form.get(`event:${t}`) === "on");
  if (events.length === 0) throw new ApiError("invalid_request", "Choose at least one event.");
  const description = (form.get("description") ?? "").trim();
  const created = await createWebhook(c.env, c.get("config"), {
    url: (form.get("url") ?? "").trim(),
    events,
    description: description === "" ? null : description,
  });
  const { secret, ...webhook } = created;
  return renderPage(c, <WebhookCreatedPage csrf={await csrfToken(c)} webhook={webhook} secret={secret} />);
});

consoleWebhookRoutes.get("/webhooks/:id", async (c) => {
  const id = c.req.param("id");
  const webhook = webhookWire(await getWebhook(c.env.DB, id));
  const page = await listDeliveries(c.env.DB, id, pageRequest({ cursor: c.req.query("cursor") }));
  const base = `/admin/webhooks/${encodeURIComponent(id)}`;
  const next = page.next_cursor ? `${base}?${new URLSearchParams({ cursor: page.next_cursor })}` : null;
  const notice = c.req.query("done") === "test" ? "A test event is on its way; reload to see the attempt." : undefined;
  return renderPage(
    c,
    <WebhookPage csrf={await csrfToken(c)} webhook={webhook} deliveries={page.data} next={next} notice={notice} />,
  );
});

consoleWebhookRoutes.post("/webhooks/:id/test", async (c) => {
  await consoleForm(c);
  const id = c.req.param("id");
  await sendTestEvent(c.env, id);
  return c.redirect(`/admin/webhooks/${encodeURIComponent(id)}?done=test`, 303);
});
