/**
 * Reading the audit log as an admin would: rows of D1 audit_events. Events are written in waitUntil, after the
 * response, so readers poll briefly until the expected rows are there.
 */
import { env } from "cloudflare:test";
import type { AuditSink } from "../../src/audit/record";
import type { Env } from "../../src/config";

export interface AuditRow {
  id: string;
  at: number;
  type: string;
  outcome: string;
  userId: string | null;
  clientId: string | null;
  actor: string | null;
  ip: string | null;
  country: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

interface RawRow {
  id: string;
  at: number;
  type: string;
  outcome: string;
  user_id: string | null;
  client_id: string | null;
  actor: string | null;
  ip: string | null;
  country: string | null;
  user_agent: string | null;
  detail: string;
}

/** Every event matching the filter (by user, client or a text the detail contains), oldest first. */
export async function auditEvents(filter: {
  userId?: string;
  clientId?: string;
  type?: string;
  detailContains?: string;
  since?: number;
}): Promise<AuditRow[]> {
  const clauses: [string, unknown][] = [
    ["user_id = ?", filter.userId],
    ["client_id = ?", filter.clientId],
    ["type = ?", filter.type],
    ["detail LIKE ?", filter.detailContains === undefined ? undefined : `%${filter.detailContains}%`],
    ["at >= ?", filter.since],
  ];
  const used = clauses.filter(([, value]) => value !== undefined);
  const where = used.map(([clause]) => clause);
  const args = used.map(([, value]) => value);
  const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY at, id`;
  const { results } = await env.DB.prepare(sql)
    .bind(...args)
    .all<RawRow>();
  return results.map((r) => ({
    id: r.id,
    at: r.at,
    type: r.type,
    outcome: r.outcome,
    userId: r.user_id,
    clientId: r.client_id,
    actor: r.actor,
    ip: r.ip,
    country: r.country,
    userAgent: r.user_agent,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }));
}

/** Polls (up to about two seconds) until events of every listed type match the filter; returns all matches. */
export async function waitForEvents(
  filter: Parameters<typeof auditEvents>[0],
  types: string[],
  timeoutMs = 2000,
): Promise<AuditRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await auditEvents(filter);
    const missing = types.filter((t) => !rows.some((r) => r.type === t));
    if (missing.length === 0) return rows;
    if (Date.now() > deadline) throw new Error(`no audit event ${missing.join(", ")} for ${JSON.stringify(filter)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A sink for calling the sign-in seam directly: `settled()` waits for what it was handed. */
export function testSink(): AuditSink & { settled(): Promise<void> } {
  const pending: Promise<unknown>[] = [];
  return {
    env: env as unknown as Env,
    waitUntil: (promise) => void pending.push(promise),
    facts: { ip: "203.0.113.9", country: "CH", userAgent: "Test/1.0" },
    async settled() {
      await Promise.all(pending);
    },
  };
}

/** No detail of any event holds an email address (docs/events.md: ids only). */
export function detailsWithEmail(rows: AuditRow[]): AuditRow[] {
  return rows.filter((r) => /[^\s"@]+@[^\s"@]+/.test(JSON.stringify(r.detail)));
}
