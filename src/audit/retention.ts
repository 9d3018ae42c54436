/**
 * Retention (AUDIT_RETENTION_DAYS): the cron trigger deletes audit events and webhook delivery attempts older than
 * the horizon, in bounded batches so that one run never holds D1 for long; what is left goes in the next run.
 */
import type { Env } from "../config";

/** Rows per DELETE statement, and statements per table per run. */
export const RETENTION_BATCH = 1000;
const RETENTION_MAX_BATCHES = 50;

const TABLES = ["audit_events", "webhook_deliveries"] as const;

export interface RetentionResult {
  audit_events: number;
  webhook_deliveries: number;
}

/** Deletes rows with `at` before now − retentionDays; returns how many it deleted per table. */
export async function enforceRetention(env: Env, retentionDays: number, now: number): Promise<RetentionResult> {
  const horizon = now - retentionDays * 24 * 60 * 60 * 1000;
  const result: RetentionResult = { audit_events: 0, webhook_deliveries: 0 };
  for (const table of TABLES) {
    // Each statement deletes at most RETENTION_BATCH rows (audit_events_at_id finds them; deliveries are scanned).
    const statement = env.DB.prepare(
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE at < ? LIMIT ${RETENTION_BATCH})`,
    ).bind(horizon);
    for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch++) {
      const { meta } = await statement.run();
      result[table] += meta.changes;
      if (meta.changes < RETENTION_BATCH) break;
    }
  }
  return result;
}
