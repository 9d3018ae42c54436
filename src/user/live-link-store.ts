/**
 * The address's live link, in its Durable Object (the `email:<address>` UserDO): at most one link per address
 * is "live" (mailed, unexpired, unused). While one is, requests from other browsers are coalesced (the same
 * 202, nothing mailed), so a stranger can neither flood the inbox nor spend a budget that locks the owner
 * out; the browser the live link is bound to may ask for a fresh one (a re-send) within the per-address
 * budget. Each operation runs without an await inside the object, so the decision is atomic. Table `live_link`
 * (one row at most), created by the object's schema (src/user/schema.ts).
 */
import type { RateLimit } from "../lib/gcra";
import { hitBucket } from "./counter-store";
import type { LinkDecision, LinkRequest } from "./types";

const RESEND_BUCKET = "magicLinkPerAddress";
/** Browsers remembered per live link; the oldest goes first, so whoever asked last (the owner, again) is kept. */
const MAX_WAITERS = 20;

export function requestLiveLink(sql: SqlStorage, req: LinkRequest, budget: RateLimit, now: number): LinkDecision {
  const live = sql
    .exec("SELECT browser_hash, expires_at FROM live_link WHERE slot = 1 AND expires_at > ?", now)
    .toArray()[0];
  let decision: LinkDecision;
  if (!live) {
    // Never refused by the per-address budget (only the per-IP limit applies), so nobody can lock the owner out;
    // it still counts, so re-sends that follow have less room.
    hitBucket(sql, RESEND_BUCKET, budget, now);
    decision = "issue";
  } else if (String(live.browser_hash) === req.browserHash) {
    decision = hitBucket(sql, RESEND_BUCKET, budget, now).allowed ? "resend" : "coalesce";
  } else {
    decision = "coalesce";
  }
  if (live && String(live.browser_hash) !== req.browserHash) {
    // RFC 9700 §4.7 without a lockout: this browser asked for the address too, so the live link (mailed to the
    // address, whoever asked first) is not a cross-device sign-in when opened here, and lands where it asked.
    sql.exec(
      "INSERT OR REPLACE INTO link_waiters (browser_hash, return_to, expires_at) VALUES (?, ?, ?)",
      req.browserHash,
      req.returnTo.slice(0, 2048),
      Number(live.expires_at),
    );
    sql.exec(
      `DELETE FROM link_waiters WHERE rowid NOT IN (SELECT rowid FROM link_waiters ORDER BY rowid DESC LIMIT ?)`,
      MAX_WAITERS,
    );
  }
  if (decision !== "coalesce") {
    sql.exec(
      `INSERT INTO live_link (slot, link_hash, browser_hash, expires_at) VALUES (1, ?, ?, ?)
       ON CONFLICT(slot) DO UPDATE SET link_hash = excluded.link_hash, browser_hash = excluded.browser_hash,
         expires_at = excluded.expires_at`,
      req.linkHash,
      req.browserHash,
      req.expiresAt,
    );
  }
  return decision;
}

/** The mail for this link could not be sent: it is not live, so the next request (from anyone) mails again. */
export function releaseLiveLink(sql: SqlStorage, linkHash: string): void {
  sql.exec("DELETE FROM live_link WHERE link_hash = ?", linkHash);
}

/** A link for the address was used: the owner has their mail, so the next request mails a new link at once. */
export function endLiveLink(sql: SqlStorage): void {
  sql.exec("DELETE FROM live_link");
  sql.exec("DELETE FROM link_waiters");
}

/** A browser whose request was coalesced into the live link, with where it asked to go; null if none. */
export function linkWaiter(sql: SqlStorage, browserHash: string, now: number): { returnTo: string } | null {
  const row = sql
    .exec("SELECT return_to FROM link_waiters WHERE browser_hash = ? AND expires_at > ?", browserHash, now)
    .toArray()[0];
  return row ? { returnTo: String(row.return_to) } : null;
}

export function purgeLiveLink(sql: SqlStorage, now: number): number {
  return (
    sql.exec("DELETE FROM live_link WHERE expires_at <= ? RETURNING slot", now).toArray().length +
    sql.exec("DELETE FROM link_waiters WHERE expires_at <= ? RETURNING browser_hash", now).toArray().length
  );
}

export function countLiveLinks(sql: SqlStorage): number {
  return Number(sql.exec("SELECT (SELECT count(*) FROM live_link) + (SELECT count(*) FROM link_waiters) AS n").one().n);
}
