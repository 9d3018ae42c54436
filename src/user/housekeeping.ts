/**
 * UserDO housekeeping: the hourly purge alarm and what it deletes. Every store's expired rows go; the alarm re-arms
 * while anything purgeable remains, so an idle object costs nothing.
 */
import * as consumed from "./consumed-store";
import * as counters from "./counter-store";
import * as grants from "./grant-store";
import * as liveLink from "./live-link-store";
import * as sessions from "./session-store";

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Deletes everything that expired before `now`. Returns how many rows went. */
export function purgeExpired(sql: SqlStorage, now: number): number {
  return (
    sessions.purgeSessions(sql, now) +
    consumed.purgeConsumed(sql, now) +
    grants.purgeGrants(sql, now) +
    counters.purgeBuckets(sql, now) +
    liveLink.purgeLiveLink(sql, now)
  );
}

function countPurgeable(sql: SqlStorage): number {
  return (
    sessions.countSessions(sql) +
    consumed.countConsumed(sql) +
    counters.countBuckets(sql) +
    liveLink.countLiveLinks(sql) +
    grants.countGrantRows(sql)
  );
}

/** The object's purge alarm. */
export class PurgeAlarm {
  /**
   * True once this instance knows a purge alarm is pending: later writes skip the alarm lookup. Anything that
   * deletes the alarm (deleteAlarm, deleteAll) must call `forget`.
   */
  #armed = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** After a write that left something purgeable: arms the alarm unless one is pending. */
  schedule(): void {
    if (this.#armed) return;
    this.#armed = true;
    // Fire-and-forget is safe: alarm writes are part of the output gate.
    void this.storage
      .getAlarm()
      .then(async (at) => {
        if (at === null) await this.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
      })
      .catch(() => {
        this.#armed = false;
      });
  }

  /** The alarm fired: purge, and re-arm while anything remains. */
  async fire(sql: SqlStorage | null): Promise<void> {
    this.#armed = false;
    if (sql === null) return;
    purgeExpired(sql, Date.now());
    if (countPurgeable(sql) > 0) {
      await this.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
      this.#armed = true;
    }
  }

  forget(): void {
    this.#armed = false;
  }
}
