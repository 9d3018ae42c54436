/** Console route for the audit log: the filter form's query, one page of the admin model's event list. */
import { Hono } from "hono";
import type { AppEnv } from "../../app-types";
import { csrfToken } from "../../sessions/browser";
import { renderPage } from "../../ui/render";
import { pageRequest } from "../api/pagination";
import { eventWire, listEvents } from "../model/events";
import { checkedEventFilter, eventFilterForm } from "./event-filter";
import { EventsPage } from "./events-page";

export const consoleEventRoutes = new Hono<AppEnv>();

consoleEventRoutes.get("/events", async (c) => {
  const form = eventFilterForm((name) => c.req.query(name));
  const page = await listEvents(c.env.DB, checkedEventFilter(form), pageRequest({ cursor: c.req.query("cursor") }));
  const kept = Object.entries(form).filter(([, value]) => value !== "");
  const next = page.next_cursor
    ? `/admin/events?${new URLSearchParams([...kept, ["cursor", page.next_cursor]])}`
    : null;
  return renderPage(
    c,
    <EventsPage csrf={await csrfToken(c)} filter={form} events={page.rows.map(eventWire)} next={next} />,
  );
});
