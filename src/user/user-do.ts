/**
 * UserDO: one SQLite-backed Durable Object per user (or per normalized email until the user exists).
 * It is the single strongly consistent place for that user. This class is a thin RPC facade: the SQL is in one
 * store per table (session-, consumed-, grant-, consent-, counter-, live-link-, account-store), the schema and its
 * migrations in schema.ts, the purge alarm in housekeeping.ts; here each method wraps its store calls in one
 * transaction. Every method that enforces "exactly once" runs without an await, so it is atomic in the object.
 */
import { DurableObject } from "cloudflare:workers";
import type { RateLimit } from "../lib/gcra";
import * as account from "./account-store";
import * as consents from "./consent-store";
import * as consumed from "./consumed-store";
import * as counters from "./counter-store";
import * as grants from "./grant-store";
import { PurgeAlarm, purgeExpired } from "./housekeeping";
import * as liveLink from "./live-link-store";
import { MIGRATIONS, type Migration, migrate, schemaVersion } from "./schema";
import * as sessions from "./session-store";
import type * as t from "./types";

// The object reads no binding, so its env is not the Worker's Env: the user/limiter layer sits below config.ts.
export class UserDO extends DurableObject<object> {
  #sql: SqlStorage;
  #migrations: readonly Migration[];
  #alarm: PurgeAlarm;
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
    this.#alarm = new PurgeAlarm(ctx.storage);
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
  consumeOnce(item: t.OneTimeId): boolean {
    this.#schema();
    const ok = consumed.consume(this.#sql, item);
    this.#alarm.schedule();
    return ok;
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Consumes the ceremony's one-time id (challenge or magic link) and creates the session in one
   * atomic step: a replay gets no session, and a session never exists without its consumption.
   */
  signIn(
    consume: t.OneTimeId | null,
    input: t.SessionInput,
    now: number,
    replacesSid: string | null = null,
  ): t.SignInResult {
    this.#schema();
    const result = this.ctx.storage.transactionSync((): t.SignInResult => {
      // Checked before the one-time id is spent: once enabled again, the same ceremony is simply repeated.
      if (account.disabledAt(this.#sql) !== null) return { ok: false, reason: "disabled" };
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
    this.#alarm.schedule();
    return result;
  }

  /** The live session for a cookie secret hash, sliding its idle expiry; null when absent or expired. */
  getSession(secretHash: string, now: number): t.SessionInfo | null {
    return this.#ready ? sessions.touchSession(this.#sql, secretHash, now) : null;
  }

  listSessions(now: number): t.SessionInfo[] {
    return this.#ready ? sessions.listSessions(this.#sql, now) : [];
  }

  /** Ends one session by its public id with its grants without offline_access (OIDC Core §11); true if it was live. */
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

  /**
   * An unlinked upstream identity takes the sessions started through it (identityKey) with it, but `keepSid` (the
   * session that unlinked it), and their grants, offline ones included: the identity may be one the person never
   * meant to link. Returns the sids ended.
   */
  endSessionsThrough(identity: string, keepSid: string | null, now: number): string[] {
    if (!this.#ready) return [];
    return this.ctx.storage.transactionSync(() => {
      const sids = sessions.deleteSessionsThrough(this.#sql, identity, keepSid);
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

  // ---------------------------------------------------------------- disabled by an administrator (account-store.ts)

  /** Disables the account: flag, end of every session, revocation of every grant in one transaction. */
  disable(now: number): number {
    this.#schema();
    return this.ctx.storage.transactionSync(() => {
      if (account.disabledAt(this.#sql) === null) account.setDisabledAt(this.#sql, now);
      const n = sessions.deleteAllSessions(this.#sql);
      grants.revokeAllGrants(this.#sql, now);
      return n;
    });
  }

  /** Clears the flag only: the sessions and grants the disable ended stay ended. */
  enable(): void {
    if (!this.#ready) return;
    account.setDisabledAt(this.#sql, null);
  }

  disabledAt(): number | null {
    return this.#ready ? account.disabledAt(this.#sql) : null;
  }

  // ---------------------------------------------------------------- codes and grants (grant-store.ts)

  /**
   * Stores an authorization code by its hash (RFC 6749 §4.1.2: short-lived, single use). With `consume` (the parked
   * authorization request it answers), the request is spent in the same atomic step: false, and no code, when it
   * already was (a replayed /authorize/continue).
   */
  storeCode(codeHash: string, grant: t.CodeGrant, expiresAt: number, consume: t.OneTimeId | null = null): boolean {
    this.#schema();
    const stored = this.ctx.storage.transactionSync(() => {
      if (consume && !consumed.consume(this.#sql, consume)) return false;
      grants.storeCode(this.#sql, codeHash, grant, expiresAt);
      return true;
    });
    this.#alarm.schedule();
    return stored;
  }

  redeemCode(
    codeHash: string,
    request: t.CodeRedemptionRequest,
    issue: t.FamilyIssue,
    now: number,
  ): t.RedeemCodeResult {
    if (!this.#ready) return { ok: false, reason: "invalid" };
    if (account.disabledAt(this.#sql) !== null) return { ok: false, reason: "disabled" };
    const result = this.ctx.storage.transactionSync(() => grants.redeemCode(this.#sql, codeHash, request, issue, now));
    this.#alarm.schedule();
    return result;
  }

  rotateRefresh(
    oldHash: string,
    newHash: string,
    clientId: string,
    newExpiresAt: number,
    now: number,
    requestedScope: string[] | null = null,
    target: t.ResourceTarget | null = null,
  ): t.RotateRefreshResult {
    if (!this.#ready) return { ok: false, reason: "invalid" };
    if (account.disabledAt(this.#sql) !== null) return { ok: false, reason: "disabled" };
    const sessionLive = (sid: string) => sessions.isSessionLive(this.#sql, sid, now);
    const presented = { oldHash, newHash, clientId, newExpiresAt, requestedScope, target };
    return this.ctx.storage.transactionSync(() => grants.rotateRefresh(this.#sql, presented, sessionLive, now));
  }

  /** RFC 7662: a live refresh token's grant, or null; reads only. */
  refreshTokenInfo(hash: string, now: number): t.RefreshTokenInfo | null {
    if (!this.#ready || account.disabledAt(this.#sql) !== null) return null;
    return grants.refreshTokenInfo(this.#sql, hash, (sid) => sessions.isSessionLive(this.#sql, sid, now), now);
  }

  revokeRefresh(hash: string, clientId: string, now: number): boolean {
    if (!this.#ready) return false;
    return this.ctx.storage.transactionSync(() => grants.revokeRefresh(this.#sql, hash, clientId, now));
  }

  revokeAccessToken(jti: string, expiresAt: number): void {
    this.#schema();
    grants.revokeAccessToken(this.#sql, jti, expiresAt);
    this.#alarm.schedule();
  }

  /** `familyId` null: a client_credentials token in its client's object (live unless revoked there). */
  isAccessTokenActive(jti: string, familyId: string | null, now: number): boolean {
    if (!this.#ready) return familyId === null;
    if (account.disabledAt(this.#sql) !== null) return false;
    return grants.isAccessTokenActive(this.#sql, jti, familyId, now);
  }

  // ---------------------------------------------------------------- consent (consent-store.ts)

  getConsent(clientId: string): string[] {
    return this.#ready ? consents.getConsent(this.#sql, clientId) : [];
  }

  grantConsent(clientId: string, scopes: string[], now: number): void {
    this.#schema();
    consents.grantConsent(this.#sql, clientId, scopes, now);
  }

  listConsents(): consents.Consent[] {
    return this.#ready ? consents.listConsents(this.#sql) : [];
  }

  // ---------------------------------------------------------------- rate limits (counter-store.ts)

  /** Counts one request against this user's (or address's) bucket; refused when over the limit. */
  hitLimit(bucket: string, limit: RateLimit, now: number): t.HitResult {
    this.#schema();
    const result = counters.hitBucket(this.#sql, bucket, limit, now);
    this.#alarm.schedule();
    return result;
  }

  // ---------------------------------------------------------------- the address's live magic link (live-link-store.ts)

  requestLink(req: t.LinkRequest, budget: RateLimit, now: number): t.LinkDecision {
    this.#schema();
    const decision = this.ctx.storage.transactionSync(() => liveLink.requestLiveLink(this.#sql, req, budget, now));
    this.#alarm.schedule();
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

  // ---------------------------------------------------------------- housekeeping (housekeeping.ts)

  override async alarm(): Promise<void> {
    await this.#alarm.fire(this.#ready ? this.#sql : null);
  }

  /**
   * Account deletion: every session, grant, consent and counter goes, with the purge alarm. Only the disabled flag
   * is written back, so a sign-in racing the deletion is refused here instead of recreating a session.
   */
  async wipe(now: number): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#ready = false;
    this.#alarm.forget();
    this.#schema();
    account.setDisabledAt(this.#sql, now);
  }

  /** Deletes everything that expired before `now`. Returns how many rows went. */
  purge(now: number): number {
    return this.#ready ? purgeExpired(this.#sql, now) : 0;
  }
}
