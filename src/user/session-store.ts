/**
 * Sessions in the user's Durable Object (table `sessions`, created by src/user/schema.ts): looked up by the
 * SHA-256 of the cookie secret, listed and ended by their public sid. Callers (UserDO) own the transactions.
 */
import type { Amr, SessionInfo, SessionInput, SignInMethod } from "./types";

/** How often a session's last use (and so its sliding idle expiry) is written at most. */
const LAST_SEEN_RESOLUTION_MS = 60 * 1000;

export function insertSession(sql: SqlStorage, input: SessionInput, now: number): SessionInfo {
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
    crossDevice: input.crossDevice,
    authTime: now,
  };
  sql.exec(
    `INSERT INTO sessions (sid, secret_hash, created_at, last_seen_at, idle_ttl_ms, idle_expires_at,
       absolute_expires_at, user_agent, country, amr, method, auth_time, credential_id, cross_device, identity)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    session.sid,
    input.secretHash,
    now,
    now,
    input.idleTtlMs,
    session.idleExpiresAt,
    session.absoluteExpiresAt,
    session.userAgent,
    session.country,
    JSON.stringify(session.amr),
    session.method,
    now,
    input.credentialId,
    input.crossDevice ? 1 : 0,
    input.identity ?? null,
  );
  return session;
}

/** The live session for a cookie secret hash, sliding its idle expiry; null when absent or expired (then deleted). */
export function touchSession(sql: SqlStorage, secretHash: string, now: number): SessionInfo | null {
  const row = sql.exec("SELECT * FROM sessions WHERE secret_hash = ?", secretHash).toArray()[0];
  if (!row) return null;
  const session = rowToSession(row);
  if (now >= session.idleExpiresAt || now >= session.absoluteExpiresAt) {
    sql.exec("DELETE FROM sessions WHERE sid = ?", session.sid);
    return null;
  }
  if (now - session.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) {
    const idleExpiresAt = Math.min(now + Number(row.idle_ttl_ms), session.absoluteExpiresAt);
    sql.exec(
      "UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE sid = ?",
      now,
      idleExpiresAt,
      session.sid,
    );
    session.lastSeenAt = now;
    session.idleExpiresAt = idleExpiresAt;
  }
  return session;
}

export function listSessions(sql: SqlStorage, now: number): SessionInfo[] {
  return sql
    .exec(
      "SELECT * FROM sessions WHERE idle_expires_at > ? AND absolute_expires_at > ? ORDER BY last_seen_at DESC",
      now,
      now,
    )
    .toArray()
    .map(rowToSession);
}

export function isSessionLive(sql: SqlStorage, sid: string, now: number): boolean {
  return (
    sql
      .exec("SELECT 1 FROM sessions WHERE sid = ? AND idle_expires_at > ? AND absolute_expires_at > ?", sid, now, now)
      .toArray().length > 0
  );
}

/** True when a session with this sid was deleted. */
export function deleteSession(sql: SqlStorage, sid: string): boolean {
  return sql.exec("DELETE FROM sessions WHERE sid = ? RETURNING sid", sid).toArray().length > 0;
}

/** Deletes the sessions started with a passkey, but `keepSid`; returns their sids. */
export function deleteSessionsStartedWith(sql: SqlStorage, credentialId: string, keepSid: string | null): string[] {
  return sql
    .exec("DELETE FROM sessions WHERE credential_id = ? AND sid IS NOT ? RETURNING sid", credentialId, keepSid)
    .toArray()
    .map((r) => String(r.sid));
}

/**
 * Deletes the sessions started through an upstream identity (db/federated-identities.ts identityKey), but `keepSid`;
 * returns their sids.
 */
export function deleteSessionsThrough(sql: SqlStorage, identity: string, keepSid: string | null): string[] {
  return sql
    .exec("DELETE FROM sessions WHERE identity = ? AND sid IS NOT ? RETURNING sid", identity, keepSid)
    .toArray()
    .map((r) => String(r.sid));
}

/** Deletes every session; returns how many. */
export function deleteAllSessions(sql: SqlStorage): number {
  return sql.exec("DELETE FROM sessions RETURNING sid").toArray().length;
}

export function purgeSessions(sql: SqlStorage, now: number): number {
  return sql
    .exec("DELETE FROM sessions WHERE idle_expires_at <= ? OR absolute_expires_at <= ? RETURNING sid", now, now)
    .toArray().length;
}

export function countSessions(sql: SqlStorage): number {
  return Number(sql.exec("SELECT count(*) AS n FROM sessions").one().n);
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
    method: String(row.method) as SignInMethod,
    credentialId: row.credential_id === null || row.credential_id === undefined ? null : String(row.credential_id),
    crossDevice: Number(row.cross_device) === 1,
    authTime: Number(row.auth_time),
  };
}
