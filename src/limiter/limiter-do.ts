/**
 * LimiterDO: one Durable Object per client IP or OAuth client, holding its rate-limit buckets.
 * A Durable Object (not the Workers rate-limit binding) because its counts are exact and global across
 * the deployment, configurable per bucket at runtime, and testable in workerd; the binding's counters are
 * per-location and approximate. Per-user and per-address buckets live in that user's/address's UserDO.
 */
import { DurableObject } from "cloudflare:workers";
import type { RateLimit } from "../lib/gcra";
import { ensureBucketTable, hitBucket, peekBucket, purgeBuckets } from "../user/counter-store";
import type { HitResult } from "../user/types";

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

// The object reads no binding, so its env is not the Worker's Env: the user/limiter layer sits below config.ts.
export class LimiterDO extends DurableObject<object> {
  #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: object) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ensureBucketTable(this.#sql);
  }

  hit(bucket: string, limit: RateLimit, now: number): HitResult {
    const result = hitBucket(this.#sql, bucket, limit, now);
    void this.ctx.storage.getAlarm().then(async (at) => {
      if (at === null) await this.ctx.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
    });
    return result;
  }

  /** Whether a request would be allowed now, spending nothing (for callers a budget does not apply to). */
  peek(bucket: string, limit: RateLimit, now: number): HitResult {
    return peekBucket(this.#sql, bucket, limit, now);
  }

  override async alarm(): Promise<void> {
    purgeBuckets(this.#sql, Date.now());
    const left = Number(this.#sql.exec("SELECT count(*) AS n FROM rate_buckets").one().n);
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
  }
}
