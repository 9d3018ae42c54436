/**
 * Retention: AUDIT_RETENTION_DAYS (default 90, anything else invalid stops the Worker) and the cron trigger deleting
 * audit events and webhook delivery attempts older than it, in bounded batches, and nothing newer.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RETENTION_BATCH } from "../../src/audit/retention";
import { ConfigError, type Env, parseConfig } from "../../src/config";
import { randomToken } from "../../src/lib/crypto";
import { runScheduled } from "../../src/scheduled";

const E = env as unknown as Env;
const DAY = 24 * 60 * 60 * 1000;

describe("AUDIT_RETENTION_DAYS (config)", () => {
  it("defaults to 90 days and takes a whole number of days", () => {
    expect(parseConfig({ ...E, AUDIT_RETENTION_DAYS: undefined }).auditRetentionDays).toBe(90);
    expect(parseConfig({ ...E, AUDIT_RETENTION_DAYS: "" }).auditRetentionDays).toBe(90);
    expect(parseConfig({ ...E, AUDIT_RETENTION_DAYS: "365" }).auditRetentionDays).toBe(365);
  });

  it("an invalid value is a configuration error naming the variable", () => {
    for (const value of ["0", "-5", "1.5", "ninety", "90d", "99999999"]) {
      expect(() => parseConfig({ ...E, AUDIT_RETENTION_DAYS: value }), value).toThrow(ConfigError);
      expect(() => parseConfig({ ...E, AUDIT_RETENTION_DAYS: value }), value).toThrow(/AUDIT_RETENTION_DAYS/);
    }
  });
});

async function insertEvents(prefix: string, at: number, count: number): Promise<void> {
  const statements = Array.from({ length: count }, (_, i) =>
    E.DB.prepare("INSERT INTO audit_events (id, at, type, user_id) VALUES (?, ?, 'token.issued', ?)").bind(
      `${at.toString(36).padStart(12, "0")}${prefix}${i}`,
      at,
      prefix,
    ),
  );
  for (let i = 0; i < statements.length; i += 500) await E.DB.batch(statements.slice(i, i + 500));
}

async function countEvents(prefix: string): Promise<number> {
  const row = await E.DB.prepare("SELECT COUNT(*) AS n FROM audit_events WHERE user_id = ?").bind(prefix).first<{
    n: number;
  }>();
  return row!.n;
}

describe("retention on the cron trigger", () => {
  it("deletes events and delivery attempts older than 90 days, over several batches, and keeps the rest", async () => {
    const now = Date.now();
    const old = `old-${randomToken(4)}`;
    const edge = `edge-${randomToken(4)}`;
    const fresh = `new-${randomToken(4)}`;
    await insertEvents(old, now - 91 * DAY, RETENTION_BATCH + 150);
    await insertEvents(edge, now - 89 * DAY, 3);
    await insertEvents(fresh, now - 1000, 2);

    const endpoint = `we-${randomToken(6)}`;
    await E.DB.prepare(
      "INSERT INTO webhook_endpoints (id, url, events, secret_enc, created_at, updated_at) VALUES (?, ?, '[]', 'x', ?, ?)",
    )
      .bind(endpoint, "https://hooks.example/in", now, now)
      .run();
    const delivery = E.DB.prepare(
      "INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, attempt, at, duration_ms, outcome) " +
        "VALUES (?, ?, 'msg', 'user.created', 1, ?, 5, 'succeeded')",
    );
    await E.DB.batch([
      delivery.bind(`${endpoint}-old`, endpoint, now - 100 * DAY),
      delivery.bind(`${endpoint}-new`, endpoint, now - DAY),
    ]);

    await runScheduled(E, now);

    expect(await countEvents(old)).toBe(0);
    expect(await countEvents(edge)).toBe(3);
    expect(await countEvents(fresh)).toBe(2);
    const { results } = await E.DB.prepare("SELECT id FROM webhook_deliveries WHERE endpoint_id = ?")
      .bind(endpoint)
      .all<{ id: string }>();
    expect(results.map((r) => r.id)).toEqual([`${endpoint}-new`]);
  });

  it("a shorter AUDIT_RETENTION_DAYS moves the horizon", async () => {
    const now = Date.now();
    const prefix = `short-${randomToken(4)}`;
    await insertEvents(prefix, now - 8 * DAY, 2);
    await insertEvents(`${prefix}-kept`, now - 6 * DAY, 1);
    await runScheduled({ ...E, AUDIT_RETENTION_DAYS: "7" }, now);
    expect(await countEvents(prefix)).toBe(0);
    expect(await countEvents(`${prefix}-kept`)).toBe(1);
  });
});
