/**
 * The OAuth side of a user's Durable Object, as SQL over its storage: authorization codes, grant families
 * with their rotating refresh tokens, and revoked access-token ids (tables `codes`, `families`, `refresh_tokens`,
 * `revoked_tokens`, created by src/user/schema.ts). Callers (UserDO) run each operation inside one synchronous
 * transaction, which is what makes every single-use rule here exact.
 */
import { checkCodeRedemption, targetProblem } from "./code-redemption";
import type {
  Amr,
  CodeGrant,
  CodeRedemptionRequest,
  FamilyIssue,
  RedeemCodeResult,
  RefreshTokenInfo,
  ResourceTarget,
  RotateRefreshResult,
  UserClaims,
} from "./types";

/** Used codes are remembered this long past expiry so a late replay still revokes what they issued. */
const CODE_REPLAY_MEMORY_MS = 10 * 60 * 1000;

export function storeCode(sql: SqlStorage, codeHash: string, grant: CodeGrant, expiresAt: number): void {
  sql.exec(
    "INSERT INTO codes (hash, grant_json, expires_at) VALUES (?, ?, ?)",
    codeHash,
    JSON.stringify(grant),
    expiresAt,
  );
}

/**
 * Redeems a code exactly once (RFC 6749 §4.1.2, §10.5). Any redemption attempt uses the code up;
 * a second attempt revokes the grant family the first one created (RFC 6749 §4.1.2, RFC 9700 §4.5).
 */
export function redeemCode(
  sql: SqlStorage,
  codeHash: string,
  request: CodeRedemptionRequest,
  issue: FamilyIssue,
  now: number,
): RedeemCodeResult {
  const row = sql.exec("SELECT * FROM codes WHERE hash = ?", codeHash).toArray()[0];
  if (!row) return { ok: false, reason: "invalid" };
  if (row.used_at !== null) {
    if (row.family_id) revokeFamily(sql, String(row.family_id), now);
    return { ok: false, reason: "replayed" };
  }
  // Every attempt uses the code up: a failed one marks it used, a good one also records the family it created.
  if (now >= Number(row.expires_at)) return spent(sql, codeHash, now, { ok: false, reason: "expired" });
  const grant = JSON.parse(String(row.grant_json)) as CodeGrant;
  const check = checkCodeRedemption(grant, request);
  if (!check.ok) {
    return spent(sql, codeHash, now, { ok: false, reason: check.target ? "target" : "mismatch", detail: check.detail });
  }
  sql.exec("UPDATE codes SET used_at = ?, family_id = ? WHERE hash = ?", now, issue.familyId, codeHash);
  sql.exec(
    `INSERT INTO families (id, client_id, scope, resource, sid, auth_time, amr, claims, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    issue.familyId,
    grant.clientId,
    grant.scope,
    grant.resource ?? null,
    grant.sid,
    grant.authTime,
    JSON.stringify(grant.amr),
    JSON.stringify(grant.claims),
    now,
    issue.grantExpiresAt,
  );
  if (issue.refreshHash) insertRefreshToken(sql, issue.refreshHash, issue.familyId, now, issue.refreshExpiresAt);
  return { ok: true, grant };
}

function spent(sql: SqlStorage, codeHash: string, now: number, result: RedeemCodeResult): RedeemCodeResult {
  sql.exec("UPDATE codes SET used_at = ? WHERE hash = ?", now, codeHash);
  return result;
}

function insertRefreshToken(sql: SqlStorage, hash: string, familyId: string, now: number, expiresAt: number): void {
  sql.exec(
    "INSERT INTO refresh_tokens (hash, family_id, status, created_at, expires_at) VALUES (?, ?, 'active', ?, ?)",
    hash,
    familyId,
    now,
    expiresAt,
  );
}

function revokeFamily(sql: SqlStorage, familyId: string, now: number): void {
  sql.exec("UPDATE families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, familyId);
  sql.exec("UPDATE refresh_tokens SET status = 'revoked' WHERE family_id = ?", familyId);
}

/**
 * Codes not yet redeemed expire with the session that authorized them (or, with no sid, all of them): a code minted
 * moments before "sign out everywhere" or a disable must not become a grant afterwards (RFC 6749 §10.5).
 */
function expirePendingCodes(sql: SqlStorage, now: number, sid: string | null): void {
  const pending = "UPDATE codes SET expires_at = ? WHERE used_at IS NULL AND expires_at > ?";
  if (sid === null) sql.exec(pending, now, now);
  else sql.exec(`${pending} AND json_extract(grant_json, '$.sid') = ?`, now, now, sid);
}

/** OIDC Core §11: a session's end revokes its grants that lack offline_access, and its pending codes. */
export function revokeSessionGrants(sql: SqlStorage, sid: string, now: number): void {
  expirePendingCodes(sql, now, sid);
  for (const f of sql.exec("SELECT id, scope FROM families WHERE sid = ? AND revoked_at IS NULL", sid).toArray()) {
    if (!String(f.scope).split(" ").includes("offline_access")) revokeFamily(sql, String(f.id), now);
  }
}

/** A re-authentication in the same browser: the grants of the session it replaces now live with the new one. */
export function moveSessionGrants(sql: SqlStorage, fromSid: string, toSid: string): void {
  sql.exec("UPDATE families SET sid = ? WHERE sid = ? AND revoked_at IS NULL", toSid, fromSid);
}

/** Every grant a session made, offline ones included (its passkey was removed). */
export function revokeAllSessionGrants(sql: SqlStorage, sid: string, now: number): void {
  expirePendingCodes(sql, now, sid);
  const families = sql.exec("SELECT id FROM families WHERE sid = ? AND revoked_at IS NULL", sid).toArray();
  for (const f of families) revokeFamily(sql, String(f.id), now);
}

/** "Sign out everywhere": every grant goes, offline ones included. */
export function revokeAllGrants(sql: SqlStorage, now: number): void {
  expirePendingCodes(sql, now, null);
  const families = sql.exec("SELECT id FROM families WHERE revoked_at IS NULL").toArray();
  for (const f of families) revokeFamily(sql, String(f.id), now);
}

/**
 * Rotates a refresh token (RFC 9700 §4.14.2): the presented token must be the family's current one;
 * presenting a rotated token is reuse and revokes the whole family.
 */
export function rotateRefresh(
  sql: SqlStorage,
  presented: {
    oldHash: string;
    newHash: string;
    clientId: string;
    newExpiresAt: number;
    requestedScope: string[] | null;
    /** RFC 8707 §2.2 (null: not checked). */
    target?: ResourceTarget | null;
  },
  sessionLive: (sid: string) => boolean,
  now: number,
): RotateRefreshResult {
  // The token and its family in one read (a token without its family is as unknown as no token).
  const family = sql
    .exec(
      `SELECT r.status AS token_status, r.expires_at AS token_expires_at, f.*
     FROM refresh_tokens r JOIN families f ON f.id = r.family_id WHERE r.hash = ?`,
      presented.oldHash,
    )
    .toArray()[0];
  if (!family) return { ok: false, reason: "invalid" };
  const row = { status: family.token_status, expires_at: family.token_expires_at };
  const familyId = String(family.id);
  // RFC 6749 §6: the refresh token is bound to the client it was issued to.
  if (family.client_id !== presented.clientId) return { ok: false, reason: "client_mismatch" };
  if (family.revoked_at !== null || row.status === "revoked") return { ok: false, reason: "revoked" };
  if (row.status === "rotated") {
    revokeFamily(sql, familyId, now);
    return { ok: false, reason: "reused" };
  }
  if (now >= Number(row.expires_at) || now >= Number(family.expires_at)) return { ok: false, reason: "expired" };
  const granted = String(family.scope).split(" ");
  const sid = family.sid === null ? null : String(family.sid);
  // OIDC Core §11: without offline_access a grant lives only as long as the sign-in session it came from.
  if (!granted.includes("offline_access") && (sid === null || !sessionLive(sid))) {
    revokeFamily(sql, familyId, now);
    return { ok: false, reason: "revoked" };
  }
  // RFC 6749 §6: a wider scope is refused before rotation, so a bad request does not spend the token.
  if (presented.requestedScope?.some((s) => !granted.includes(s))) return { ok: false, reason: "scope_exceeded" };
  // RFC 8707 §2.2: the resource asked for must be the family's, and still served; refused before rotation too.
  const resource = family.resource === null || family.resource === undefined ? null : String(family.resource);
  if (presented.target && targetProblem(resource, presented.target) !== null) return { ok: false, reason: "target" };
  sql.exec("UPDATE refresh_tokens SET status = 'rotated' WHERE hash = ?", presented.oldHash);
  const newExpiresAt = Math.min(presented.newExpiresAt, Number(family.expires_at));
  insertRefreshToken(sql, presented.newHash, familyId, now, newExpiresAt);
  return {
    ok: true,
    grant: {
      familyId,
      clientId: String(family.client_id),
      scope: String(family.scope),
      resource,
      sid,
      authTime: Number(family.auth_time),
      amr: JSON.parse(String(family.amr)) as Amr[],
      claims: JSON.parse(String(family.claims)) as UserClaims,
    },
  };
}

/**
 * A refresh token that could be rotated now (RFC 7662 §2.2 "active"): current, unexpired, its family live, and its
 * session too unless offline_access. Reads only: an introspection never spends or revokes anything.
 */
export function refreshTokenInfo(
  sql: SqlStorage,
  hash: string,
  sessionLive: (sid: string) => boolean,
  now: number,
): RefreshTokenInfo | null {
  const f = sql
    .exec(
      `SELECT r.status AS token_status, r.created_at AS token_created_at, r.expires_at AS token_expires_at, f.*
     FROM refresh_tokens r JOIN families f ON f.id = r.family_id WHERE r.hash = ?`,
      hash,
    )
    .toArray()[0];
  // Unknown, rotated or revoked.
  if (f?.token_status !== "active" || f.revoked_at !== null) return null;
  const expiresAt = Math.min(Number(f.token_expires_at), Number(f.expires_at));
  if (now >= expiresAt) return null;
  const scope = String(f.scope);
  if (!scope.split(" ").includes("offline_access") && (f.sid === null || !sessionLive(String(f.sid)))) return null;
  const resource = f.resource === null || f.resource === undefined ? null : String(f.resource);
  const issuedAt = Number(f.token_created_at);
  return { clientId: String(f.client_id), scope, resource, authTime: Number(f.auth_time), issuedAt, expiresAt };
}

/** RFC 7009: revokes the family a refresh token belongs to. True when the token was this client's. */
export function revokeRefresh(sql: SqlStorage, hash: string, clientId: string, now: number): boolean {
  const row = sql
    .exec(
      "SELECT r.family_id, f.client_id FROM refresh_tokens r JOIN families f ON f.id = r.family_id WHERE r.hash = ?",
      hash,
    )
    .toArray()[0];
  // RFC 7009 §2.1: only the client the token was issued to may revoke it.
  if (!row || row.client_id !== clientId) return false;
  revokeFamily(sql, String(row.family_id), now);
  return true;
}

/** RFC 7009 for access tokens: remembers the jti as revoked until the token would expire anyway. */
export function revokeAccessToken(sql: SqlStorage, jti: string, expiresAt: number): void {
  sql.exec("INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT(jti) DO NOTHING", jti, expiresAt);
}

/**
 * Whether an access token is still live: not revoked, and its grant (family) neither revoked nor expired. A
 * client_credentials token (in the client's object) has no family: `familyId` null.
 */
export function isAccessTokenActive(sql: SqlStorage, jti: string, familyId: string | null, now: number): boolean {
  if (sql.exec("SELECT 1 FROM revoked_tokens WHERE jti = ?", jti).toArray().length) return false;
  if (familyId === null) return true;
  const family = sql.exec("SELECT revoked_at, expires_at FROM families WHERE id = ?", familyId).toArray()[0];
  return !!family && family.revoked_at === null && now < Number(family.expires_at);
}

/** Deletes expired grant rows; returns how many went. */
export function purgeGrants(sql: SqlStorage, now: number): number {
  let n = 0;
  n += sql.exec("DELETE FROM codes WHERE expires_at <= ? RETURNING hash", now - CODE_REPLAY_MEMORY_MS).toArray().length;
  n += sql.exec("DELETE FROM refresh_tokens WHERE expires_at <= ? RETURNING hash", now).toArray().length;
  n += sql.exec("DELETE FROM revoked_tokens WHERE expires_at <= ? RETURNING jti", now).toArray().length;
  n += sql
    .exec(
      "DELETE FROM families WHERE expires_at <= ? AND id NOT IN (SELECT family_id FROM refresh_tokens) RETURNING id",
      now,
    )
    .toArray().length;
  return n;
}

export function countGrantRows(sql: SqlStorage): number {
  return Number(
    sql
      .exec(
        `SELECT (SELECT count(*) FROM codes) + (SELECT count(*) FROM refresh_tokens)
      + (SELECT count(*) FROM revoked_tokens) + (SELECT count(*) FROM families) AS n`,
      )
      .one().n,
  );
}
