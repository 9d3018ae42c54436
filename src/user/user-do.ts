/**
 * UserDO: one SQLite-backed Durable Object per user (or per normalized email until the user exists).
 * It is the single strongly consistent place for that user. This class is a thin RPC facade: the SQL is in one
 * store per table (session-store, consumed-store, grant-store, consent-store, counter-store, live-link-store),
 * the schema and its migrations in schema.ts; here each method wraps its store calls in one transaction.
 * Every method that enforces "exactly once" runs without an await, so it is atomic in the object.
 */
import { DurableObject } from "cloudflare:workers";
import type { RateLimit } from "../lib/gcra";
import * as consents from "./consent-store";
import * as consumed from "./consumed-store";
import * as counters from "./counter-store";
import * as grants from "./grant-store";
import * as liveLink from "./live-link-store";
import { MIGRATIONS, type Migration, migrate, schemaVersion } from "./schema";
import * as sessions from "./session-store";
import type {
  CodeGrant,
  CodeRedemptionRequest,
  FamilyIssue,
  HitResult,
  LinkDecision,
  LinkRequest,
  OneTimeId,
  RedeemCodeResult,
  RotateRefreshResult,
  SessionInfo,
  SessionInput,
  SignInResult,
} from "./types";

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

// The object reads no binding, so its env is not the Worker's Env: the user/limiter layer sits below config.ts.
export class UserDO extends DurableObject<object> {
  #sql: SqlStorage;
  #migrations: readonly Migration[];
  /**
   * Whether this object has its tables. Created on the first write only, so a request carrying a made-up
   * user id (a forged cookie, code or refresh token) reads an empty object and leaves nothing behind.
   */
  #ready = false;

  /** `migrations` is for tests (a version the deployed code does not have yet); the runtime passes two arguments. */
  constructor(ctx: DurableObjectState, env: object, migrations: readonly Migration[] = MIGRATIONS) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#migrations = migrations;
    // First load after a deploy: an object with tables is brought to the current schema before any request.
    void ctx.blockConcurrencyWhile(async () => {
      const version = schemaVersion(this.#sql);
      if (version === null) return;
      migrate(ctx.storage, this.#migrations, version);
      this.#ready = true;
    });
  }

  #schema(): void {
    if (this.#ready) return;
    migrate(this.ctx.storage, this.#migrations, 0);
    this.#ready = true;
  }

  // ---------------------------------------------------------------- one-time ids

  /** Records a one-time id; false when it was already consumed (a replay). */
  consumeOnce(item: OneTimeId): boolean {
    this.#schema();
    const ok = consumed.consume(this.#sql, item);
    this.#scheduleAlarm();
    return ok;
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Consumes the ceremony's one-time id (challenge or magic link) and creates the session in one
   * atomic step: a replay gets no session, and a session never exists without its consumption.
   */
  signIn(consume: OneTimeId | null, input: SessionInput, now: number, replacesSid: string | null = null): SignInResult {
    this.#schema();
    const result = this.ctx.storage.transactionSync((): SignInResult => {
      if (consume && !consumed.consume(this.#sql, consume)) return { ok: false, reason: "replayed" };
      const session = sessions.insertSession(this.#sql, input, now);
      // The browser's previous session of this user ends with the new one's start (same transaction). Its grants
      // pass to the new session, which continues it: a re-authentication (prompt=login, max_age, a passkey change)
      // must not sign the person out of the apps they use in this browser.
      if (replacesSid !== null && replacesSid !== session.sid) {
        sessions.deleteSession(this.#sql, replacesSid);
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
    return sessions.touchSession(this.#sql, secretHash, now);
  }

  listSessions(now: number): SessionInfo[] {
    if (!this.#ready) return [];
    return sessions.listSessions(this.#sql, now);
  }

  /**
   * Ends one session by its public id, and with it the grants tied to that session (those without
   * offline_access, OIDC Core §11). True when a session was ended.
   */
  endSession(sid: string): boolean {
    if (!this.#ready) return false;
    return this.ctx.storage.transactionSync(() => {
      const ended = sessions.deleteSession(this.#sql, sid);
      grants.revokeSessionGrants(this.#sql, sid, Date.now());
      return ended;
    });
  }

  /**
   * A removed passkey takes the sessions it started with it (but `keepSid`, the session that removed it), and
   * every grant those sessions made, offline ones included: the passkey may be the reason it was removed.
   * Returns the sids ended.
   */
  endSessionsStartedWith(credentialId: string, keepSid: string | null, now: number): string[] {
    if (!this.#ready) return [];
    return this.ctx.storage.transactionSync(() => {
      const sids = sessions.deleteSessionsStartedWith(this.#sql, credentialId, keepSid);
      for (const sid of sids) grants.revokeAllSessionGrants(this.#sql, sid, now);
      return sids;
    });
  }

  /** "Sign out everywhere": ends every session and revokes every grant of this user at once. Returns sessions ended. */
  endAllSessions(): number {
    if (!this.#ready) return 0;
    return this.ctx.storage.transactionSync(() => {
      const n = sessions.deleteAllSessions(this.#sql);
      grants.revokeAllGrants(this.#sql, Date.now());
      return n;
    });
  }

  // ---------------------------------------------------------------- codes and grants (grant-store.ts)

  /**
   * Stores an authorization code by its hash (RFC 6749 §4.1.2: short-lived, single use). With `consume` (the parked
   * authorization request it answers), the request is spent in the same atomic step: false, and no code, when it
   * already was (a replayed /authorize/continue).
   */
  storeCode(codeHash: string, grant: CodeGrant, expiresAt: number, consume: OneTimeId | null = null): boolean {
    this.#schema();
    const stored = this.ctx.storage.transactionSync(() => {
      if (consume && !consumed.consume(this.#sql, consume)) return false;
      grants.storeCode(this.#sql, codeHash, grant, expiresAt);
      return true;
    });
    this.#scheduleAlarm();
    return stored;
  }

  redeemCode(codeHash: string, request: CodeRedemptionRequest, issue: FamilyIssue, now: number): RedeemCodeResult {
    if (!this.#ready) return { ok: false, reason: "invalid" };
    const result = this.ctx.storage.transactionSync(() => grants.redeemCode(this.#sql, codeHash, request, issue, now));
    this.#scheduleAlarm();
    return result;
  }

  rotateRefresh(
    oldHash: string,
    newHash: string,
    clientId: string,
    newExpiresAt: number,
    now: number,
    requestedScope: string[] | null = null,
  ): RotateRefreshResult {
    if (!this.#ready) return { ok: false, reason: "invalid" };
    const sessionLive = (sid: string) => sessions.isSessionLive(this.#sql, sid, now);
    const presented = { oldHash, newHash, clientId, newExpiresAt, requestedScope };
    return this.ctx.storage.transactionSync(() => grants.rotateRefresh(this.#sql, presented, sessionLive, now));
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

  // ---------------------------------------------------------------- consent (consent-store.ts)

  getConsent(clientId: string): string[] {
    if (!this.#ready) return [];
    return consents.getConsent(this.#sql, clientId);
  }

  grantConsent(clientId: string, scopes: string[], now: number): void {
    this.#schema();
    consents.grantConsent(this.#sql, clientId, scopes, now);
  }

  listConsents(): consents.Consent[] {
    if (!this.#ready) return [];
    return consents.listConsents(this.#sql);
  }

  // ---------------------------------------------------------------- rate limits (counter-store.ts)

  /** Counts one request against this user's (or address's) bucket; refused when over the limit. */
  hitLimit(bucket: string, limit: RateLimit, now: number): HitResult {
    this.#schema();
    const result = counters.hitBucket(this.#sql, bucket, limit, now);
    this.#scheduleAlarm();
    return result;
  }

  // ---------------------------------------------------------------- the address's live magic link (live-link-store.ts)

  requestLink(req: LinkRequest, budget: RateLimit, now: number): LinkDecision {
    this.#schema();
    const decision = this.ctx.storage.transactionSync(() => liveLink.requestLiveLink(this.#sql, req, budget, now));
    this.#scheduleAlarm();
    return decision;
  }

  releaseLink(linkHash: string): void {
    if (!this.#ready) return;
    liveLink.releaseLiveLink(this.#sql, linkHash);
  }

  /** Whether this browser asked for the live link too (its request was coalesced), and where it asked to go. */
  linkWaiter(browserHash: string, now: number): { returnTo: string } | null {
    if (!this.#ready) return null;
    return liveLink.linkWaiter(this.#sql, browserHash, now);
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
    void this.ctx.storage
      .getAlarm()
      .then(async (at) => {
        if (at === null) await this.ctx.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
      })
      .catch(() => {
        this.#alarmArmed = false;
      });
  }

  /** Purges expired sessions, consumed ids, codes, tokens and families; re-arms while anything remains. */
  override async alarm(): Promise<void> {
    this.#alarmArmed = false;
    if (!this.#ready) return;
    this.purge(Date.now());
    const sql = this.#sql;
    const left =
      sessions.countSessions(sql) +
      consumed.countConsumed(sql) +
      counters.countBuckets(sql) +
      liveLink.countLiveLinks(sql) +
      grants.countGrantRows(sql);
    if (left > 0) {
      await this.ctx.storage.setAlarm(Date.now() + PURGE_INTERVAL_MS);
      this.#alarmArmed = true;
    }
  }

  /**
   * Account deletion: every session, grant, consent and counter of this user goes, with the purge alarm. The object
   * is then as if new (no tables until the next write), so a token minted before the deletion finds nothing.
   */
  async wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#ready = false;
    this.#alarmArmed = false;
  }

  /** Deletes everything that expired before `now`. Returns how many rows went. */
  purge(now: number): number {
    if (!this.#ready) return 0;
    const sql = this.#sql;
    return (
      sessions.purgeSessions(sql, now) +
      consumed.purgeConsumed(sql, now) +
      grants.purgeGrants(sql, now) +
      counters.purgeBuckets(sql, now) +
      liveLink.purgeLiveLink(sql, now)
    );
  }
}
