/**
 * UserDO: one SQLite-backed Durable Object per user (or per normalized email until the user exists).
 * It is the single strongly consistent place for that user: sessions, consumed one-time ids
 * (WebAuthn challenges, magic links), authorization codes, refresh-token families and consents.
 * Every method that enforces "exactly once" runs without an await, so it is atomic in the object.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config";
import type { RateLimit } from "../abuse/gcra";
import { ensureBucketTable, hitBucket, purgeBuckets, type HitResult } from "../abuse/rate-limit-store";
import { checkCodeRedemption, type CodeGrant, type CodeRedemptionRequest, type UserClaims } from "../oidc/code-grant";

export type Amr = "hwk" | "swk" | "user" | "pop" | "email" | "mfa";

export interface SessionInput {
  /** SHA-256 (base64url) of the session secret held in the cookie. */
  secretHash: string;
  sid: string;
  userAgent: string;
  country: string | null;
  amr: Amr[];
  method: "passkey" | "email";
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
  authTime: number;
}

export interface OneTimeId {
  /** Namespaced id, e.g. "challenge:<id>" or "link:<hash>". */
  id: string;
  expiresAt: number;
}

export type SignInResult = { ok: true; session: SessionInfo } | { ok: false; reason: "replayed" };

export interface FamilyIssue {
  familyId: string;
  /** SHA-256 of the first refresh token, or null when no refresh token is issued. */
  refreshHash: string | null;
  refreshExpiresAt: number;
  grantExpiresAt: number;
}

export type RedeemCodeResult =
  | { ok: true; grant: CodeGrant }
  | { ok: false; reason: "invalid" | "expired" | "replayed" | "mismatch"; detail?: string };

export interface RefreshGrant {
  familyId: string;
  clientId: string;
  scope: string;
  sid: string | null;
  authTime: number;
  amr: Amr[];
  claims: UserClaims;
}

export type RotateRefreshResult =
  | { ok: true; grant: RefreshGrant }
  | { ok: false; reason: "invalid" | "expired" | "reused" | "revoked" | "client_mismatch" | "scope_exceeded" };

const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const LAST_SEEN_RESOLUTION_MS = 60 * 1000;
/** Used codes are remembered this long past expiry so a late replay still revokes what they issued. */
const CODE_REPLAY_MEMORY_MS = 10 * 60 * 1000;

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
        auth_time INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS consumed (
        id TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS codes (
        hash TEXT PRIMARY KEY,
        grant_json TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        family_id TEXT
      );
      CREATE TABLE IF NOT EXISTS families (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        sid TEXT,
        auth_time INTEGER NOT NULL,
        amr TEXT NOT NULL,
        claims TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE TABLE IF NOT EXISTS refresh_tokens (
        hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS revoked_tokens (
        jti TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS consents (
        client_id TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        granted_at INTEGER NOT NULL
      );
    `);
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
  signIn(consume: OneTimeId | null, input: SessionInput, now: number): SignInResult {
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
        authTime: now,
      };
      this.#sql.exec(
        `INSERT INTO sessions (sid, secret_hash, created_at, last_seen_at, idle_ttl_ms, idle_expires_at, absolute_expires_at, user_agent, country, amr, method, auth_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        session.sid, input.secretHash, now, now, input.idleTtlMs, session.idleExpiresAt, session.absoluteExpiresAt,
        session.userAgent, session.country, JSON.stringify(session.amr), session.method, now,
      );
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
    return this.ctx.storage.transactionSync(() => {
      const ended = this.#sql.exec("DELETE FROM sessions WHERE sid = ? RETURNING sid", sid).toArray().length > 0;
      for (const f of this.#sql.exec("SELECT id, scope FROM families WHERE sid = ? AND revoked_at IS NULL", sid).toArray()) {
        if (!String(f.scope).split(" ").includes("offline_access")) this.#revokeFamily(String(f.id), Date.now());
      }
      return ended;
    });
  }

  /** "Sign out everywhere": ends every session and revokes every grant of this user at once. Returns sessions ended. */
  endAllSessions(): number {
    if (!this.#ready) return 0;
    return this.ctx.storage.transactionSync(() => {
      const n = this.#sql.exec("DELETE FROM sessions RETURNING sid").toArray().length;
      for (const f of this.#sql.exec("SELECT id FROM families WHERE revoked_at IS NULL").toArray()) this.#revokeFamily(String(f.id), Date.now());
      return n;
    });
  }

  // ---------------------------------------------------------------- authorization codes

  /** Stores an authorization code by its hash (RFC 6749 §4.1.2: short-lived, single use). */
  storeCode(codeHash: string, grant: CodeGrant, expiresAt: number): void {
    this.#schema();
    this.#sql.exec("INSERT INTO codes (hash, grant_json, expires_at) VALUES (?, ?, ?)", codeHash, JSON.stringify(grant), expiresAt);
    this.#scheduleAlarm();
  }

  /**
   * Redeems a code exactly once (RFC 6749 §4.1.2, §10.5). Any redemption attempt uses the code up;
   * a second attempt revokes the grant family the first one created (RFC 6749 §4.1.2, RFC 9700 §4.5).
   */
  redeemCode(codeHash: string, request: CodeRedemptionRequest, issue: FamilyIssue, now: number): RedeemCodeResult {
    if (!this.#ready) return { ok: false, reason: "invalid" };
    const result = this.ctx.storage.transactionSync((): RedeemCodeResult => {
      const row = this.#sql.exec("SELECT * FROM codes WHERE hash = ?", codeHash).toArray()[0];
      if (!row) return { ok: false, reason: "invalid" };
      if (row.used_at !== null) {
        if (row.family_id) this.#revokeFamily(String(row.family_id), now);
        return { ok: false, reason: "replayed" };
      }
      this.#sql.exec("UPDATE codes SET used_at = ? WHERE hash = ?", now, codeHash);
      if (now >= Number(row.expires_at)) return { ok: false, reason: "expired" };
      const grant = JSON.parse(String(row.grant_json)) as CodeGrant;
      const check = checkCodeRedemption(grant, request);
      if (!check.ok) return { ok: false, reason: "mismatch", detail: check.detail };
      this.#sql.exec("UPDATE codes SET family_id = ? WHERE hash = ?", issue.familyId, codeHash);
      this.#createFamily(issue, grant, now);
      return { ok: true, grant };
    });
    this.#scheduleAlarm();
    return result;
  }

  #createFamily(issue: FamilyIssue, grant: CodeGrant, now: number): void {
    this.#sql.exec(
      "INSERT INTO families (id, client_id, scope, sid, auth_time, amr, claims, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      issue.familyId, grant.clientId, grant.scope, grant.sid, grant.authTime, JSON.stringify(grant.amr), JSON.stringify(grant.claims), now, issue.grantExpiresAt,
    );
    if (issue.refreshHash) {
      this.#sql.exec(
        "INSERT INTO refresh_tokens (hash, family_id, status, created_at, expires_at) VALUES (?, ?, 'active', ?, ?)",
        issue.refreshHash, issue.familyId, now, issue.refreshExpiresAt,
      );
    }
  }

  #sessionLive(sid: string | null, now: number): boolean {
    if (sid === null) return false;
    return this.#sql.exec("SELECT 1 FROM sessions WHERE sid = ? AND idle_expires_at > ? AND absolute_expires_at > ?", sid, now, now).toArray().length > 0;
  }

  #revokeFamily(familyId: string, now: number): void {
    this.#sql.exec("UPDATE families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, familyId);
    this.#sql.exec("UPDATE refresh_tokens SET status = 'revoked' WHERE family_id = ?", familyId);
  }

  // ---------------------------------------------------------------- refresh tokens

  /**
   * Rotates a refresh token (RFC 9700 §4.14.2): the presented token must be the family's current one;
   * presenting a rotated token is reuse and revokes the whole family.
   */
  rotateRefresh(oldHash: string, newHash: string, clientId: string, newExpiresAt: number, now: number, requestedScope: string[] | null = null): RotateRefreshResult {
    if (!this.#ready) return { ok: false, reason: "invalid" };
    return this.ctx.storage.transactionSync((): RotateRefreshResult => {
      const row = this.#sql.exec("SELECT * FROM refresh_tokens WHERE hash = ?", oldHash).toArray()[0];
      if (!row) return { ok: false, reason: "invalid" };
      const family = this.#sql.exec("SELECT * FROM families WHERE id = ?", row.family_id).toArray()[0];
      if (!family) return { ok: false, reason: "invalid" };
      // RFC 6749 §6: the refresh token is bound to the client it was issued to.
      if (family.client_id !== clientId) return { ok: false, reason: "client_mismatch" };
      if (family.revoked_at !== null || row.status === "revoked") return { ok: false, reason: "revoked" };
      if (row.status === "rotated") {
        this.#revokeFamily(String(row.family_id), now);
        return { ok: false, reason: "reused" };
      }
      if (now >= Number(row.expires_at) || now >= Number(family.expires_at)) return { ok: false, reason: "expired" };
      // OIDC Core §11: without offline_access a grant lives only as long as the sign-in session it came from.
      if (!String(family.scope).split(" ").includes("offline_access") && !this.#sessionLive(family.sid === null ? null : String(family.sid), now)) {
        this.#revokeFamily(String(family.id), now);
        return { ok: false, reason: "revoked" };
      }
      // RFC 6749 §6: a wider scope is refused before rotation, so a bad request does not spend the token.
      const granted = String(family.scope).split(" ");
      if (requestedScope && requestedScope.some((s) => !granted.includes(s))) return { ok: false, reason: "scope_exceeded" };
      this.#sql.exec("UPDATE refresh_tokens SET status = 'rotated' WHERE hash = ?", oldHash);
      this.#sql.exec(
        "INSERT INTO refresh_tokens (hash, family_id, status, created_at, expires_at) VALUES (?, ?, 'active', ?, ?)",
        newHash, row.family_id, now, Math.min(newExpiresAt, Number(family.expires_at)),
      );
      return {
        ok: true,
        grant: {
          familyId: String(family.id),
          clientId: String(family.client_id),
          scope: String(family.scope),
          sid: family.sid === null ? null : String(family.sid),
          authTime: Number(family.auth_time),
          amr: JSON.parse(String(family.amr)) as Amr[],
          claims: JSON.parse(String(family.claims)) as UserClaims,
        },
      };
    });
  }

  /** RFC 7009: revokes the family a refresh token belongs to. True when the token was known to this user. */
  revokeRefresh(hash: string, clientId: string, now: number): boolean {
    if (!this.#ready) return false;
    const row = this.#sql.exec("SELECT r.family_id, f.client_id FROM refresh_tokens r JOIN families f ON f.id = r.family_id WHERE r.hash = ?", hash).toArray()[0];
    if (!row || row.client_id !== clientId) return false;
    this.#revokeFamily(String(row.family_id), now);
    return true;
  }

  /** RFC 7009 for access tokens: remembers the jti as revoked until the token would expire anyway. */
  revokeAccessToken(jti: string, expiresAt: number): void {
    this.#schema();
    this.#sql.exec("INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT(jti) DO NOTHING", jti, expiresAt);
    this.#scheduleAlarm();
  }

  /** Whether an access token's grant is still live (not revoked, family not revoked). */
  isAccessTokenActive(jti: string, familyId: string, now: number): boolean {
    if (!this.#ready) return false;
    if (this.#sql.exec("SELECT 1 FROM revoked_tokens WHERE jti = ?", jti).toArray().length) return false;
    const family = this.#sql.exec("SELECT revoked_at, expires_at FROM families WHERE id = ?", familyId).toArray()[0];
    return !!family && family.revoked_at === null && now < Number(family.expires_at);
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

  // ---------------------------------------------------------------- housekeeping

  #scheduleAlarm(): void {
    // Fire-and-forget is safe: alarm writes are part of the output gate.
    void this.ctx.storage.getAlarm().then(async (at) => {
      if (at === null) await this.ctx.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
    });
  }

  /** Purges expired sessions, consumed ids, codes, tokens and families; re-arms while anything remains. */
  override async alarm(): Promise<void> {
    if (!this.#ready) return;
    this.purge(Date.now());
    const left =
      Number(this.#sql.exec("SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM consumed) + (SELECT count(*) FROM codes) + (SELECT count(*) FROM refresh_tokens) + (SELECT count(*) FROM revoked_tokens) + (SELECT count(*) FROM families) + (SELECT count(*) FROM rate_buckets) AS n").one().n);
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
  }

  /** Deletes everything that expired before `now`. Returns how many rows went. */
  purge(now: number): number {
    if (!this.#ready) return 0;
    let n = 0;
    n += this.#sql.exec("DELETE FROM sessions WHERE idle_expires_at <= ? OR absolute_expires_at <= ? RETURNING sid", now, now).toArray().length;
    n += this.#sql.exec("DELETE FROM consumed WHERE expires_at <= ? RETURNING id", now).toArray().length;
    // Keep used codes until expiry so replays within the code's life are still detected.
    n += this.#sql.exec("DELETE FROM codes WHERE expires_at <= ? RETURNING hash", now - CODE_REPLAY_MEMORY_MS).toArray().length;
    n += this.#sql.exec("DELETE FROM refresh_tokens WHERE expires_at <= ? RETURNING hash", now).toArray().length;
    n += this.#sql.exec("DELETE FROM revoked_tokens WHERE expires_at <= ? RETURNING jti", now).toArray().length;
    n += purgeBuckets(this.#sql, now);
    n += this.#sql.exec("DELETE FROM families WHERE expires_at <= ? AND id NOT IN (SELECT family_id FROM refresh_tokens) RETURNING id", now).toArray().length;
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
    authTime: Number(row.auth_time),
  };
}
