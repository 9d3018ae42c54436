/**
 * The user's Durable Object schema versions (src/user/schema.ts): an object written under one version is
 * migrated when code with a later one loads it, and keeps every session, one-time id and refresh family.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, type Migration } from "../../src/user/schema";
import type { CodeGrant, SessionInput } from "../../src/user/types";
import { UserDO } from "../../src/user/user-do";

const HOUR = 60 * 60 * 1000;

/** A later deploy's migration, for the test only: one new nullable column on two tables. */
const ADD_COLUMNS: Migration = {
  version: MIGRATIONS.length + 1,
  up(sql) {
    sql.exec("ALTER TABLE sessions ADD COLUMN device_label TEXT");
    sql.exec("ALTER TABLE families ADD COLUMN label TEXT");
  },
};

function freshStub() {
  return env.USER.get(env.USER.idFromName(`user:schema-${crypto.randomUUID()}`));
}

function sessionInput(sid: string): SessionInput {
  return {
    secretHash: `secret-${sid}`,
    sid,
    userAgent: "test",
    country: null,
    amr: ["pop", "user"],
    method: "passkey",
    credentialId: `cred-${sid}`,
    crossDevice: false,
    idleTtlMs: HOUR,
    absoluteTtlMs: 24 * HOUR,
  };
}

function codeGrant(sid: string, scope: string): CodeGrant {
  return {
    userId: "u",
    clientId: "client-1",
    redirectUri: "https://app.example/cb",
    redirectUriSent: true,
    scope,
    nonce: null,
    codeChallenge: null,
    sid,
    authTime: 1,
    amr: ["pop", "user"],
    claims: { email: "a@example.com", email_verified: true, name: null },
  };
}

/** Writes, through the object's RPC methods, two sessions, their consumed ids and a refresh family for each. */
async function writeData(stub: ReturnType<typeof freshStub>, now: number): Promise<void> {
  for (const [sid, scope] of [
    ["s1", "openid"],
    ["s2", "openid offline_access"],
  ] as const) {
    expect((await stub.signIn({ id: `link:${sid}`, expiresAt: now + HOUR }, sessionInput(sid), now)).ok).toBe(true);
    expect(await stub.storeCode(`code-${sid}`, codeGrant(sid, scope), now + 60_000)).toBe(true);
    const request = { clientId: "client-1", redirectUri: "https://app.example/cb", verifierChallenge: null };
    const issue = {
      familyId: `fam-${sid}`,
      refreshHash: `rt-${sid}-0`,
      refreshExpiresAt: now + HOUR,
      grantExpiresAt: now + HOUR,
    };
    expect((await stub.redeemCode(`code-${sid}`, request, issue, now)).ok).toBe(true);
  }
}

/** Row counts of every table but the version's own. */
function tableCounts(sql: SqlStorage): Record<string, number> {
  const names = sql
    .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")
    .toArray()
    .map((r) => String(r.name))
    .filter((n) => n !== "schema_version")
    .sort();
  return Object.fromEntries(names.map((n) => [n, Number(sql.exec(`SELECT count(*) AS n FROM ${n}`).one().n)]));
}

/** A new instance of the class over the object's storage, as the first request after a deploy gets it. */
async function load(state: DurableObjectState, migrations: readonly Migration[] = MIGRATIONS): Promise<UserDO> {
  const instance = new UserDO(state, env, migrations);
  // The constructor's blockConcurrencyWhile runs once this request yields; wait until it has.
  await state.blockConcurrencyWhile(async () => {});
  return instance;
}

function version(sql: SqlStorage): number {
  return Number(sql.exec("SELECT version FROM schema_version").one().version);
}

describe("user object schema versions", () => {
  const migrationTest =
    "migration N to N+1: an object written at version N keeps every session, consumed id and refresh family, " +
    "and its refresh tokens rotate";
  it(migrationTest, async () => {
    const stub = freshStub();
    const now = Date.now();
    await writeData(stub, now);
    const before = await runInDurableObject(stub, (_i: UserDO, state) => ({
      version: version(state.storage.sql),
      counts: tableCounts(state.storage.sql),
    }));
    expect(before.version).toBe(MIGRATIONS.length);

    // The code at N+1 loads the object (the first access after a deploy runs its constructor).
    const later = now + 1000;
    const after = await runInDurableObject(stub, async (_i: UserDO, state) => {
      const next = await load(state, [...MIGRATIONS, ADD_COLUMNS]);
      const columns = String(state.storage.sql.exec("SELECT sql FROM sqlite_master WHERE name = 'sessions'").one().sql);
      return {
        version: version(state.storage.sql),
        counts: tableCounts(state.storage.sql),
        hasColumn: /\bdevice_label\b/.test(columns),
        sessions: next
          .listSessions(later)
          .map((s) => s.sid)
          .sort(),
        s1: next.getSession("secret-s1", later)?.credentialId,
        replay: next.consumeOnce({ id: "link:s1", expiresAt: later + HOUR }),
        rotated: [
          next.rotateRefresh("rt-s1-0", "rt-s1-1", "client-1", later + HOUR, later).ok,
          next.rotateRefresh("rt-s2-0", "rt-s2-1", "client-1", later + HOUR, later).ok,
        ],
        reused: next.rotateRefresh("rt-s1-0", "rt-s1-x", "client-1", later + HOUR, later),
      };
    });
    expect(after.version).toBe(MIGRATIONS.length + 1);
    expect(after.hasColumn).toBe(true);
    expect(after.counts).toEqual(before.counts);
    expect(after.sessions).toEqual(["s1", "s2"]);
    expect(after.s1).toBe("cred-s1");
    expect(after.replay).toBe(false);
    expect(after.rotated).toEqual([true, true]);
    // Reuse detection still holds on the migrated rows (RFC 9700 §4.14.2): s1's family is revoked.
    expect(after.reused).toEqual({ ok: false, reason: "reused" });
    // The object's running instance (the code at N, as during a rollout) still works on the N+1 schema.
    expect((await stub.rotateRefresh("rt-s2-1", "rt-s2-2", "client-1", later + HOUR, later)).ok).toBe(true);
    expect(await stub.getSession("secret-s2", later)).toMatchObject({ sid: "s2" });
  });

  const unversionedTest =
    "an object made before schema versions, with today's tables and rows, reaches the latest version and keeps every row";
  it(unversionedTest, async () => {
    const stub = freshStub();
    const now = Date.now();
    await writeData(stub, now);
    const result = await runInDurableObject(stub, async (_i: UserDO, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE schema_version");
      const before = tableCounts(sql);
      const next = await load(state);
      return { before, after: tableCounts(sql), version: version(sql), s2: next.getSession("secret-s2", now)?.sid };
    });
    // Every migration runs again on it, idempotent: version 1 finds its tables, later ones find their columns.
    expect(result.version).toBe(MIGRATIONS.length);
    expect(result.after).toEqual(result.before);
    expect(result.s2).toBe("s2");
  });

  const credentialColumnTest =
    "a user object made before sessions remembered their passkey keeps its sessions " +
    "and gets the credential_id column once";
  it(credentialColumnTest, async () => {
    const stub = freshStub();
    const columns = await runInDurableObject(stub, async (_instance: UserDO, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE sessions (sid TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, idle_ttl_ms INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL, user_agent TEXT NOT NULL, country TEXT,
        amr TEXT NOT NULL, method TEXT NOT NULL, auth_time INTEGER NOT NULL)`);
      sql.exec(
        "INSERT INTO sessions VALUES ('old-sid', 'h', 1, 1, 1, 9e15, 9e15, 'ua', NULL, '[\"email\"]', 'email', 1)",
      );
      await load(state);
      const loadedAgain = await load(state);
      return {
        rows: sql.exec("SELECT sid, credential_id FROM sessions").toArray(),
        sql: String(sql.exec("SELECT sql FROM sqlite_master WHERE name = 'sessions'").one().sql),
        session: loadedAgain.getSession("h", 2),
      };
    });
    expect(columns.rows).toEqual([{ sid: "old-sid", credential_id: null }]);
    expect(columns.sql.match(/credential_id/g)).toHaveLength(1);
    expect(columns.session).toMatchObject({ sid: "old-sid", credentialId: null });
  });
});
