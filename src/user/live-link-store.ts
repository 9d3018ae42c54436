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

export function requestLiveLink(sql: SqlStorage, req: LinkRequest, budget: RateLimit, now: number): LinkDecision {
  const live = sql.exec("SELECT browser_hash FROM live_link WHERE slot = 1 AND expires_at > ?", now).toArray()[0];
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
  if (decision !== "coalesce") {
    sql.exec(
      `INSERT INTO live_link (slot, link_hash, browser_hash, expires_at) VALUES (1, ?, ?, ?)
       ON CONFLICT(slot) DO UPDATE SET link_hash = excluded.link_hash, browser_hash = excluded.browser_hash,
         expires_at = excluded.expires_at`,
      req.linkHash, req.browserHash, req.expiresAt,
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
}

export function purgeLiveLink(sql: SqlStorage, now: number): number {
  return sql.exec("DELETE FROM live_link WHERE expires_at <= ? RETURNING slot", now).toArray().length;
}

export function countLiveLinks(sql: SqlStorage): number {
  return Number(sql.exec("SELECT count(*) AS n FROM live_link").one().n);
}
