/**
 * Admin API: the audit log, newest first, as pages or as one streamed NDJSON export. The export reads D1 one keyset
 * page at a time as the client consumes it, so its size is bounded by nothing but the filter.
 */
import * as v from "valibot";
import { AUDIT_TYPES } from "../../audit/event-types";
import { type EventFilter, eventSchema, eventWire, listEvents } from "../model/events";
import { operation } from "./operation";
import { type CursorPosition, pageQuery, pageRequest } from "./pagination";
import { idParam, listOf } from "./wire";

/** Rows per D1 read of the export. */
export const EXPORT_PAGE_SIZE = 500;

const instant = (what: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.isoTimestamp("must be an RFC 3339 timestamp, e.g. 2026-12-03T16:00:00Z"),
      v.check((s) => !Number.isNaN(Date.parse(s)), "must be an RFC 3339 timestamp, e.g. 2026-12-03T16:00:00Z"),
      v.description(what),
    ),
  );

const filterQuery = {
  user_id: v.optional(v.pipe(idParam, v.description("Only this user's events"))),
  client_id: v.optional(v.pipe(idParam, v.description("Only events about this client"))),
  type: v.optional(v.pipe(v.picklist(AUDIT_TYPES), v.description("Only this type (docs/events.md)"))),
  since: instant("RFC 3339; events at or after this time"),
  until: instant("RFC 3339; events before this time"),
};

function filterOf(query: { user_id?: string; client_id?: string; type?: string; since?: string; until?: string }) {
  const filter: EventFilter = {};
  if (query.user_id !== undefined) filter.userId = query.user_id;
  if (query.client_id !== undefined) filter.clientId = query.client_id;
  if (query.type !== undefined) filter.type = query.type;
  if (query.since !== undefined) filter.since = Date.parse(query.since);
  if (query.until !== undefined) filter.until = Date.parse(query.until);
  return filter;
}

/** The events matching `filter` as NDJSON lines, one D1 page per pull (keyset pagination: constant memory). */
function ndjsonExport(d1: D1Database, filter: EventFilter): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: CursorPosition | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const page = await listEvents(d1, filter, { limit: EXPORT_PAGE_SIZE, after });
        if (page.rows.length > 0) {
          controller.enqueue(encoder.encode(page.rows.map((r) => `${JSON.stringify(eventWire(r))}\n`).join("")));
        }
        const last = page.rows[page.rows.length - 1];
        if (page.next_cursor === null || !last) controller.close();
        else after = { key: last.at, id: last.id };
      },
    },
    { highWaterMark: 0 },
  );
}

export const eventOperations = [
  operation({
    method: "get",
    path: "/events",
    operationId: "listEvents",
    summary: "Audit events, newest first",
    tag: "events",
    query: v.object({ ...filterQuery, ...pageQuery }),
    responses: { 200: { description: "A page of events", schema: listOf(eventSchema) } },
    async handler(c, { query }) {
      const page = await listEvents(c.env.DB, filterOf(query), pageRequest(query));
      return c.json({ data: page.rows.map(eventWire), next_cursor: page.next_cursor });
    },
  }),
  operation({
    method: "get",
    path: "/events/export",
    operationId: "exportEvents",
    summary: "Every event matching the filter, newest first, streamed as NDJSON (one event object per line)",
    tag: "events",
    query: v.object(filterQuery),
    responses: {
      200: {
        description: "application/x-ndjson: each line is one event (the schema below), read from D1 page by page",
        schema: eventSchema,
        contentType: "application/x-ndjson",
      },
    },
    handler(c, { query }) {
      return new Response(ndjsonExport(c.env.DB, filterOf(query)), {
        headers: {
          "Content-Type": "application/x-ndjson",
          "Cache-Control": "no-store",
          "Content-Disposition": 'attachment; filename="latchkey-events.ndjson"',
        },
      });
    },
  }),
];
