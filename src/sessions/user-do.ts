/**
 * UserDO: one SQLite-backed Durable Object per user (or per normalized email until the user exists).
 * It is the single strongly consistent place for that user: sessions, consumed one-time ids
 * (WebAuthn challenges, magic links), consents and rate-limit buckets here; authorization codes and
 * refresh-token families in grant-store.ts, which these RPC methods wrap in one transaction each.
 * Every method that enforces "exactly once" runs without an await, so it is atomic in the object.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config";
import type { RateLimit } from "../abuse/gcra";
import { ensureBucketTable, hitBucket, purgeBuckets, type HitResult } from "../abuse/rate-limit-store";
import type { CodeGrant, CodeRedemptionRequest } from "../oidc/code-grant";
import * as grants from "./grant-store";
import * as liveLink from "../magic-link/live-link-store";
import { upgradeSessionsTable } from "./session-columns";

import type { Amr } from "./assurance";
export type { Amr };

export interface SessionInput {
  /** SHA-256 (base64url) of the session secret held in the cookie. */
  secretHash: string;
  sid: string;
  userAgent: string;
  country: string | null;
  amr: Amr[];
  method: "passkey" | "email";
  /** The passkey the session was started with (null for an email link): removing it can end the session. */
  credentialId: string | null;
  idleTtlMs: number;
  absoluteTtlMs: number;
}

export interface SessionInfo {
  sid: string;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  userAgent: string;
  country: string | null;
  amr: Amr[];
  method: "passkey" | "email";
  credentialId: string | null;
  authTime: number;
}

export interface OneTimeId {
  /** Namespaced id, e.g. "challenge:<id>" or "link:<hash>". */
  id: string;
  expiresAt: number;
}

export type SignInResult = { ok: true; session: SessionInfo } | { ok: false; reason: "replayed" };

const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const LAST_SEEN_RESOLUTION_MS = 60 * 1000;

export class UserDO extends DurableObject<Env> {
  #sql: SqlStorage;
  /**
   * Whether this object has its tables. Created on the first write only, so a request carrying a made-up
   * user id (a forged cookie, code or refresh token) reads an empty object and leaves nothing behind.
   */
  #ready: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#ready = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'").toArray().length > 0;
    // An object made under an older schema gets the columns added since (src/sessions/session-columns.ts).
    if (this.#ready) upgradeSessionsTable(this.#sql);
  }

  #schema(): void {
    if (this.#ready) return;
    this.#migrate();
    this.#ready = true;
  }

  #migrate(): void {
    ensureBucketTable(this.#sql);
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        sid TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        idle_ttl_ms INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        user_agent TEXT NOT NULL,
        country TEXT,
        amr TEXT NOT NULL,
        method TEXT NOT NULL,
        auth_time INTEGER NOT NULL,
        credential_id TEXT
      );
      CREATE TABLE IF NOT EXISTS consumed (
        id TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS consents (
        client_id TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        granted_at INTEGER NOT NULL
      );
    `);
    this.#sql.exec(grants.GRANT_TABLES_SQL);
  }

  // ---------------------------------------------------------------- one-time ids

  /** Records a one-time id; false when it was already consumed (a replay). */
  consumeOnce(item: OneTimeId): boolean {
    this.#schema();
    const ok = this.#consume(item);
    this.#scheduleAlarm();
    return ok;
  }

  #consume(item: OneTimeId): boolean {
    const row = this.#sql.exec("INSERT INTO consumed (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING RETURNING id", item.id, item.expiresAt).toArray();
    return row.length === 1;
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Consumes the ceremony's one-time id (challenge or magic link) and creates the session in one
   * atomic step: a replay gets no session, and a session never exists without its consumption.
   */
  signIn(consume: OneTimeId | null, input: SessionInput, now: number, replacesSid: string | null = null): SignInResult {
    this.#schema();
    const result = this.ctx.storage.transactionSync((): SignInResult => {
      if (consume && !this.#consume(consume)) return { ok: false, reason: "replayed" };
      const session: SessionInfo = {
        sid: input.sid,
        createdAt: now,
        lastSeenAt: now,
        idleExpiresAt: now + input.idleTtlMs,
        absoluteExpiresAt: now + input.absoluteTtlMs,
        userAgent: input.userAgent.slice(0, 300),
        country: input.country,
        amr: input.amr,
        method: input.method,
        credentialId: input.credentialId,
        authTime: now,
      };
      this.#sql.exec(
        `INSERT INTO sessions (sid, secret_hash, created_at, last_seen_at, idle_ttl_ms, idle_expires_at, absolute_expires_at, user_agent, country, amr, method, auth_time, credential_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        session.sid, input.secretHash, now, now, input.idleTtlMs, session.idleExpiresAt, session.absoluteExpiresAt,
        session.userAgent, session.country, JSON.stringify(session.amr), session.method, now, input.credentialId,
      );
      // The browser's previous session of this user ends with the new one's start (same transaction). Its grants
      // pass to the new session, which continues it: a re-authentication (prompt=login, max_age, a passkey change)
      // must not sign the person out of the apps they use in this browser.
      if (replacesSid !== null && replacesSid !== session.sid) {
        this.#sql.exec("DELETE FROM sessions WHERE sid = ?", replacesSid);
        grants.moveSessionGrants(this.#sql, replacesSid, session.sid);
      }
      return { ok: true, session };
    });
    this.#scheduleAlarm();
    return result;
  }

  /** The live session for a cookie secret hash, sliding its idle expiry; null when absent or expired. */
  getSession(secretHash: string, now: number): SessionInfo | null {
    if (!this.#ready) return null;
    const row = this.#sql.exec("SELECT * FROM sessions WHERE secret_hash = ?", secretHash).toArray()[0];
    if (!row) return null;
    const session = rowToSession(row);
    if (now >= session.idleExpiresAt || now >= session.absoluteExpiresAt) {
      this.#sql.exec("DELETE FROM sessions WHERE sid = ?", session.sid);
      return null;
    }
    if (now - session.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) {
      const idleExpiresAt = Math.min(now + Number(row.idle_ttl_ms), session.absoluteExpiresAt);
      this.#sql.exec("UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE sid = ?", now, idleExpiresAt, session.sid);
      session.lastSeenAt = now;
      session.idleExpiresAt = idleExpiresAt;
    }
    return session;
  }

  listSessions(now: number): SessionInfo[] {
    if (!this.#ready) return [];
    return this.#sql
      .exec("SELECT * FROM sessions WHERE idle_expires_at > ? AND absolute_expires_at > ? ORDER BY last_seen_at DESC", now, now)
      .toArray()
      .map(rowToSession);
  }

  /**
   * Ends one session by its public id, and with it the grants tied to that session (those without
   * offline_access, OIDC Core §11). True when a session was ended.
   */
  endSession(sid: string): boolean {
    if (!this.#ready) return false;
    return this.ctx.storage.transactionSync(() => this.#endSession(sid, Date.now()));
  }

  #endSession(sid: string, now: number): boolean {
    const ended = this.#sql.exec("DELETE FROM sessions WHERE sid = ? RETURNING sid", sid).toArray().length > 0;
    grants.revokeSessionGrants(this.#sql, sid, now);
    return ended;
  }

  /**
   * A removed passkey takes the sessions it started with it (but `keepSid`, the session that removed it), and
   * every grant those sessions made, offline ones included: the passkey may be the reason it was removed.
   * Returns the sids ended.
   */
  endSessionsStartedWith(credentialId: string, keepSid: string | null, now: number): string[] {
    if (!this.#ready) return [];
    return this.ctx.storage.transactionSync(() => {
      const sids = this.#sql
        .exec("DELETE FROM sessions WHERE credential_id = ? AND sid IS NOT ? RETURNING sid", credentialId, keepSid)
        .toArray()
        .map((r) => String(r.sid));
      for (const sid of sids) grants.revokeAllSessionGrants(this.#sql, sid, now);
      return sids;
    });
  }

  /** "Sign out everywhere": ends every session and revokes every grant of this user at once. Returns sessions ended. */
  endAllSessions(): number {
    if (!this.#ready) return 0;
    return this.ctx.storage.transactionSync(() => {
      const n = this.#sql.exec("DELETE FROM sessions RETURNING sid").toArray().length;
      grants.revokeAllGrants(this.#sql, Date.now());
      return n;
    });
  }

  // ---------------------------------------------------------------- codes and grants (src/sessions/grant-store.ts)

  /**
   * Stores an authorization code by its hash (RFC 6749 §4.1.2: short-lived, single use). With `consume` (the parked
   * authorization request it answers), the request is spent in the same atomic step: false, and no code, when it
   * already was (a replayed /authorize/continue).
   */
  storeCode(codeHash: string, grant: CodeGrant, expiresAt: number, consume: OneTimeId | null = null): boolean {
    this.#schema();
    const stored = this.ctx.storage.transactionSync(() => {
      if (consume && !this.#consume(consume)) return false;
      grants.storeCode(this.#sql, codeHash, grant, expiresAt);
      return true;
    });
    this.#scheduleAlarm();
    return stored;
  }

  redeemCode(codeHash: string, request: CodeRedemptionRequest, issue: grants.FamilyIssue, now: number): grants.RedeemCodeResult {
    if (!this.#ready) return { ok: false, reason: "invalid" };
    const result = this.ctx.storage.transactionSync(() => grants.redeemCode(this.#sql, codeHash, request, issue, now));
    this.#scheduleAlarm();
    return result;
  }

  rotateRefresh(oldHash: string, newHash: string, clientId: string, newExpiresAt: number, now: number, requestedScope: string[] | null = null): grants.RotateRefreshResult {
    if (!this.#ready) return { ok: false, reason: "invalid" };
    const sessionLive = (sid: string) =>
      this.#sql.exec("SELECT 1 FROM sessions WHERE sid = ? AND idle_expires_at > ? AND absolute_expires_at > ?", sid, now, now).toArray().length > 0;
    return this.ctx.storage.transactionSync(() => grants.rotateRefresh(this.#sql, { oldHash, newHash, clientId, newExpiresAt, requestedScope }, sessionLive, now));
  }

  revokeRefresh(hash: string, clientId: string, now: number): boolean {
    if (!this.#ready) return false;
    return this.ctx.storage.transactionSync(() => grants.revokeRefresh(this.#sql, hash, clientId, now));
  }

  revokeAccessToken(jti: string, expiresAt: number): void {
    this.#schema();
    grants.revokeAccessToken(this.#sql, jti, expiresAt);
    this.#scheduleAlarm();
  }

  isAccessTokenActive(jti: string, familyId: string, now: number): boolean {
    if (!this.#ready) return false;
    return grants.isAccessTokenActive(this.#sql, jti, familyId, now);
  }

  // ---------------------------------------------------------------- consent

  getConsent(clientId: string): string[] {
    if (!this.#ready) return [];
    const row = this.#sql.exec("SELECT scope FROM consents WHERE client_id = ?", clientId).toArray()[0];
    return row ? String(row.scope).split(" ").filter(Boolean) : [];
  }

  grantConsent(clientId: string, scopes: string[], now: number): void {
    this.#schema();
    const merged = new Set([...this.getConsent(clientId), ...scopes]);
    this.#sql.exec(
      "INSERT INTO consents (client_id, scope, granted_at) VALUES (?, ?, ?) ON CONFLICT(client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at",
      clientId, [...merged].join(" "), now,
    );
  }

  // ---------------------------------------------------------------- rate limits

  /** Counts one request against this user's (or address's) bucket; refused when over the limit. */
  hitLimit(bucket: string, limit: RateLimit, now: number): HitResult {
    this.#schema();
    const result = hitBucket(this.#sql, bucket, limit, now);
    this.#scheduleAlarm();
    return result;
  }

  // ---------------------------------------------------------------- the address's live magic link (src/magic-link/live-link-store.ts)

  requestLink(req: liveLink.LinkRequest, budget: RateLimit, now: number): liveLink.LinkDecision {
    this.#schema();
    const decision = this.ctx.storage.transactionSync(() => liveLink.requestLiveLink(this.#sql, req, budget, now));
    this.#scheduleAlarm();
    return decision;
  }

  releaseLink(linkHash: string): void {
    if (!this.#ready) return;
    liveLink.releaseLiveLink(this.#sql, linkHash);
  }

  endLiveLink(): void {
    if (!this.#ready) return;
    liveLink.endLiveLink(this.#sql);
  }

  // ---------------------------------------------------------------- housekeeping

  /**
   * True once this instance knows a purge alarm is pending: later writes skip the alarm lookup. Anything that
   * deletes the alarm (deleteAlarm, deleteAll) must clear it.
   */
  #alarmArmed = false;

  #scheduleAlarm(): void {
    if (this.#alarmArmed) return;
    this.#alarmArmed = true;
    // Fire-and-forget is safe: alarm writes are part of the output gate.
    void this.ctx.storage.getAlarm().then(async (at) => {
      if (at === null) await this.ctx.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
    }).catch(() => {
      this.#alarmArmed = false;
    });
  }

  /** Purges expired sessions, consumed ids, codes, tokens and families; re-arms while anything remains. */
  override async alarm(): Promise<void> {
    this.#alarmArmed = false;
    if (!this.#ready) return;
    this.purge(Date.now());
    const left =
      Number(this.#sql.exec("SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM consumed) + (SELECT count(*) FROM rate_buckets) + (SELECT count(*) FROM live_link) AS n").one().n) + grants.countGrantRows(this.#sql);
    if (left > 0) {
      await this.ctx.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
      this.#alarmArmed = true;
    }
  }

  /** Deletes everything that expired before `now`. Returns how many rows went. */
  purge(now: number): number {
    if (!this.#ready) return 0;
    let n = 0;
    n += this.#sql.exec("DELETE FROM sessions WHERE idle_expires_at <= ? OR absolute_expires_at <= ? RETURNING sid", now, now).toArray().length;
    n += this.#sql.exec("DELETE FROM consumed WHERE expires_at <= ? RETURNING id", now).toArray().length;
    n += grants.purgeGrants(this.#sql, now);
    n += purgeBuckets(this.#sql, now);
    n += liveLink.purgeLiveLink(this.#sql, now);
    return n;
  }
}

function rowToSession(row: Record<string, SqlStorageValue>): SessionInfo {
  return {
    sid: String(row.sid),
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    idleExpiresAt: Number(row.idle_expires_at),
    absoluteExpiresAt: Number(row.absolute_expires_at),
    userAgent: String(row.user_agent),
    country: row.country === null ? null : String(row.country),
    amr: JSON.parse(String(row.amr)) as Amr[],
    method: String(row.method) as "passkey" | "email",
    credentialId: row.credential_id === null || row.credential_id === undefined ? null : String(row.credential_id),
    authTime: Number(row.auth_time),
  };
}
