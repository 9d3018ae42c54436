/**
 * Recording audit events off the request path: the insert (and the webhook message, for published types) runs in
 * waitUntil, so it adds no latency to the sign-in or token request that caused it and still happens when that
 * request fails afterwards.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import type { Env } from "../config";
import { db } from "../db/client";
import { auditEvents } from "../db/schema";
import { randomToken } from "../lib/crypto";
import { type AuditType, WEBHOOK_EVENT_OF, type WebhookEventMessage } from "./event-types";

export interface AuditEvent {
  type: AuditType;
  outcome?: "success" | "failure";
  userId?: string | null;
  clientId?: string | null;
  /**
   * Who caused it: "user" (the default when userId is set: the signed-in person), "anonymous" (an unauthenticated
   * request about this user: a link asked for, a sign-in tried), "client" (an application), "admin:…", "system".
   */
  actor?: string | null;
  /** A small JSON object; its fields per type are in docs/events.md. Never a secret, never an email for deletions. */
  detail?: Record<string, unknown>;
}

/** What the request tells about where it came from. */
export interface RequestFacts {
  ip: string | null;
  country: string | null;
  userAgent: string | null;
}

const MAX_USER_AGENT = 256;
const NO_FACTS: RequestFacts = { ip: null, country: null, userAgent: null };

function requestFacts(req: Request): RequestFacts {
  const ip = req.headers.get("cf-connecting-ip");
  const cf = (req as Request & { cf?: { country?: unknown } }).cf;
  return {
    ip: ip && ip.length <= 45 && /^[0-9A-Fa-f.:]+$/.test(ip) ? ip : null,
    country: typeof cf?.country === "string" ? cf.country : null,
    userAgent: req.headers.get("user-agent")?.slice(0, MAX_USER_AGENT) ?? null,
  };
}

/** Where to record: the Worker's bindings and something to hand the write to (the request's ExecutionContext). */
export interface AuditSink {
  env: Env;
  waitUntil(promise: Promise<unknown>): void;
  facts?: RequestFacts;
}

/** Records the events after the response; never throws into the caller. */
export function recordEvents(sink: AuditSink, events: AuditEvent | readonly AuditEvent[], now = Date.now()): void {
  const list = Array.isArray(events) ? events : [events as AuditEvent];
  if (list.length === 0) return;
  sink.waitUntil(
    writeEvents(sink.env, sink.facts ?? NO_FACTS, list, now).catch((err: unknown) => {
      console.error(
        JSON.stringify({ event: "audit_write_failed", reason: String(err), types: list.map((e) => e.type) }),
      );
    }),
  );
}

/** Inserts the events in one batch, then publishes the ones that are webhook events. */
export async function writeEvents(
  env: Env,
  facts: RequestFacts,
  events: readonly AuditEvent[],
  now: number,
): Promise<string[]> {
  const rows = events.map((e) => ({
    id: eventId(now),
    at: now,
    type: e.type,
    outcome: e.outcome ?? "success",
    userId: e.userId ?? null,
    clientId: e.clientId ?? null,
    actor: e.actor ?? (e.userId ? "user" : null),
    ip: facts.ip,
    country: facts.country,
    userAgent: facts.userAgent,
    detail: JSON.stringify(e.detail ?? {}),
  }));
  const d = db(env.DB);
  const [first, ...rest] = rows.map((row) => d.insert(auditEvents).values(row));
  await d.batch([first!, ...rest]);
  const messages: { body: WebhookEventMessage }[] = [];
  rows.forEach((row, i) => {
    const type = WEBHOOK_EVENT_OF[row.type];
    if (!type || row.outcome !== "success") return;
    const e = events[i]!;
    const data = { ...(e.detail ?? {}), ...(e.userId ? { user_id: e.userId } : {}) };
    messages.push({ body: { kind: "event", eventId: row.id, type, at: now, data } });
  });
  if (messages.length > 0 && env.WEBHOOKS) await env.WEBHOOKS.sendBatch(messages);
  return rows.map((r) => r.id);
}

/**
 * Event ids sort by time (a 12-digit base-36 millisecond prefix) then by randomness, so (at, id) orders a cursor
 * stably even for events of the same millisecond.
 */
function eventId(now: number): string {
  return `${now.toString(36).padStart(12, "0")}${randomToken(10)}`;
}

/** The sink for a Hono request: its bindings, its ExecutionContext and what the request tells about its origin. */
export function auditSink(c: Context<AppEnv>): AuditSink {
  return {
    env: c.env,
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    facts: requestFacts(c.req.raw),
  };
}
