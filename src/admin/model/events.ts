/** Audit events as the admin API and console read them: filtered, newest first, keyset pages over (at, id). */
import { and, desc, eq, gte, lt, or, type SQL } from "drizzle-orm";
import * as v from "valibot";
import { db } from "../../db/client";
import { auditEvents } from "../../db/schema";
import { type PageRequest, pageOf } from "../api/pagination";
import { rfc3339, timestamp } from "../api/wire";

type EventRow = typeof auditEvents.$inferSelect;

export interface EventFilter {
  userId?: string;
  clientId?: string;
  type?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

const nullableString = v.nullable(v.string());

export const eventSchema = v.object({
  id: v.string(),
  time: timestamp,
  type: v.string(),
  outcome: v.picklist(["success", "failure"]),
  user_id: nullableString,
  client_id: nullableString,
  actor: nullableString,
  ip: nullableString,
  country: nullableString,
  user_agent: nullableString,
  detail: v.pipe(v.record(v.string(), v.unknown()), v.description("Per type, see docs/events.md")),
});
export type EventWire = v.InferOutput<typeof eventSchema>;

function parseDetail(json: string): Record<string, unknown> {
  try {
    const detail = JSON.parse(json) as unknown;
    return detail && typeof detail === "object" && !Array.isArray(detail) ? (detail as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function eventWire(row: EventRow): EventWire {
  return {
    id: row.id,
    time: rfc3339(row.at),
    type: row.type,
    outcome: row.outcome === "failure" ? "failure" : "success",
    user_id: row.userId,
    client_id: row.clientId,
    actor: row.actor,
    ip: row.ip,
    country: row.country,
    user_agent: row.userAgent,
    detail: parseDetail(row.detail),
  };
}

/**
 * One page, newest first. The cursor is (at, id) of the last row: ids sort by time within a millisecond
 * (src/audit/record.ts), so an event recorded meanwhile is newer than every row of the list and never shifts a page.
 */
export async function listEvents(
  d1: D1Database,
  filter: EventFilter,
  page: PageRequest,
): Promise<{ rows: EventRow[]; next_cursor: string | null }> {
  const conditions: SQL[] = [];
  if (filter.userId !== undefined) conditions.push(eq(auditEvents.userId, filter.userId));
  if (filter.clientId !== undefined) conditions.push(eq(auditEvents.clientId, filter.clientId));
  if (filter.type !== undefined) conditions.push(eq(auditEvents.type, filter.type));
  if (filter.since !== undefined) conditions.push(gte(auditEvents.at, filter.since));
  if (filter.until !== undefined) conditions.push(lt(auditEvents.at, filter.until));
  if (page.after) {
    const at = Number(page.after.key);
    conditions.push(or(lt(auditEvents.at, at), and(eq(auditEvents.at, at), lt(auditEvents.id, page.after.id)))!);
  }
  const rows = await db(d1)
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(page.limit + 1)
    .all();
  return pageOf(rows, page.limit, (r) => ({ key: r.at, id: r.id }));
}
