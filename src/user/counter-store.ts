/**
 * Counters: rate-limit buckets in a Durable Object's SQLite (table `rate_buckets`, one row per bucket), decided
 * without an await (atomic). Shared by the user's object (per-user and per-address buckets) and LimiterDO.
 */
import { gcra, type RateLimit } from "../lib/gcra";
import type { HitResult } from "./types";

/** LimiterDO's table; the user's object gets the same table from its schema (src/user/schema.ts, version 1). */
export function ensureBucketTable(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS rate_buckets (
    name TEXT PRIMARY KEY, tat INTEGER NOT NULL, expires_at INTEGER NOT NULL
  )`);
}

export function hitBucket(sql: SqlStorage, name: string, limit: RateLimit, now: number): HitResult {
  const row = sql.exec("SELECT tat FROM rate_buckets WHERE name = ?", name).toArray()[0];
  const decision = gcra(row ? Number(row.tat) : null, now, limit);
  if (!decision.allowed) return refused(decision.retryAfterMs);
  sql.exec(
    `INSERT INTO rate_buckets (name, tat, expires_at) VALUES (?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET tat = excluded.tat, expires_at = excluded.expires_at`,
    name,
    decision.tat,
    decision.tat,
  );
  return { allowed: true, retryAfterS: 0 };
}

/** The answer `hitBucket` would give now, without spending anything. */
export function peekBucket(sql: SqlStorage, name: string, limit: RateLimit, now: number): HitResult {
  const row = sql.exec("SELECT tat FROM rate_buckets WHERE name = ?", name).toArray()[0];
  const decision = gcra(row ? Number(row.tat) : null, now, limit);
  return decision.allowed ? { allowed: true, retryAfterS: 0 } : refused(decision.retryAfterMs);
}

function refused(retryAfterMs: number): HitResult {
  return { allowed: false, retryAfterS: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
}

export function purgeBuckets(sql: SqlStorage, now: number): number {
  return sql.exec("DELETE FROM rate_buckets WHERE expires_at <= ? RETURNING name", now).toArray().length;
}

export function countBuckets(sql: SqlStorage): number {
  return Number(sql.exec("SELECT count(*) AS n FROM rate_buckets").one().n);
}
