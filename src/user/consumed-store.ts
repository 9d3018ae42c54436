/**
 * Consumed one-time ids in the user's Durable Object (table `consumed`, created by src/user/schema.ts): WebAuthn
 * challenges, magic links and parked authorization requests, each remembered until its own expiry.
 */
import type { OneTimeId } from "./types";

/** Records a one-time id; false when it was already consumed (a replay). */
export function consume(sql: SqlStorage, item: OneTimeId): boolean {
  const inserted = sql.exec(
    "INSERT INTO consumed (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING RETURNING id",
    item.id,
    item.expiresAt,
  );
  return inserted.toArray().length === 1;
}

/** Past its expiry an id can no longer be presented, so forgetting it cannot let a replay through. */
export function purgeConsumed(sql: SqlStorage, now: number): number {
  return sql.exec("DELETE FROM consumed WHERE expires_at <= ? RETURNING id", now).toArray().length;
}

export function countConsumed(sql: SqlStorage): number {
  return Number(sql.exec("SELECT count(*) AS n FROM consumed").one().n);
}
