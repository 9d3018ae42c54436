/** Rate-limit buckets in a Durable Object's SQLite: one row per bucket, decided without an await (atomic). */
import { gcra, type RateLimit } from "./gcra";

export interface HitResult {
  allowed: boolean;
  /** Seconds until the next request would be allowed (only when refused). */
  retryAfterS: number;
}

export function ensureBucketTable(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS rate_buckets (name TEXT PRIMARY KEY, tat INTEGER NOT NULL, expires_at INTEGER NOT NULL)");
}

export function hitBucket(sql: SqlStorage, name: string, limit: RateLimit, now: number): HitResult {
  const row = sql.exec("SELECT tat FROM rate_buckets WHERE name = ?", name).toArray()[0];
  const decision = gcra(row ? Number(row.tat) : null, now, limit);
  if (!decision.allowed) return { allowed: false, retryAfterS: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) };
  sql.exec(
    "INSERT INTO rate_buckets (name, tat, expires_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET tat = excluded.tat, expires_at = excluded.expires_at",
    name, decision.tat, decision.tat,
  );
  return { allowed: true, retryAfterS: 0 };
}

/** The answer `hitBucket` would give now, without spending anything. */
export function peekBucket(sql: SqlStorage, name: string, limit: RateLimit, now: number): HitResult {
  const row = sql.exec("SELECT tat FROM rate_buckets WHERE name = ?", name).toArray()[0];
  const decision = gcra(row ? Number(row.tat) : null, now, limit);
  return decision.allowed ? { allowed: true, retryAfterS: 0 } : { allowed: false, retryAfterS: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) };
}

export function purgeBuckets(sql: SqlStorage, now: number): number {
  return sql.exec("DELETE FROM rate_buckets WHERE expires_at <= ? RETURNING name", now).toArray().length;
}
