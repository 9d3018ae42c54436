/**
 * The user's Durable Object schema: a version number (table `schema_version`) and the ordered migrations that
 * reach it. UserDO runs the pending ones inside `blockConcurrencyWhile` when an object is first loaded after a
 * deploy, each in its own transaction with the version it reaches. A migration, once deployed, never changes:
 * a new table or column is a new entry at the end (see docs/storage.md, "Adding a migration").
 */

export interface Migration {
  /** 1, 2, 3, … in order, no gaps. */
  version: number;
  /**
   * Brings the schema from `version - 1` to `version`. Additive only (new tables, nullable columns), so the code
   * of the previous deploy still runs on it during a rollout or a rollback.
   */
  up(sql: SqlStorage): void;
}

/** Version 1: the tables as objects had them before schema versions, for new objects and for those objects. */
const V1_TABLES_SQL = `
  CREATE TABLE IF NOT EXISTS rate_buckets (name TEXT PRIMARY KEY, tat INTEGER NOT NULL, expires_at INTEGER NOT NULL);
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
  CREATE TABLE IF NOT EXISTS live_link (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    link_hash TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up(sql) {
      // Idempotent: an object made before versions already has some or all of these tables, with its rows.
      sql.exec(V1_TABLES_SQL);
      // Objects made before sessions remembered their passkey lack the column (null: an email link, or older).
      if (!hasColumn(sql, "sessions", "credential_id")) sql.exec("ALTER TABLE sessions ADD COLUMN credential_id TEXT");
    },
  },
  {
    version: 2,
    up(sql) {
      // RFC 9700 §4.7: a session started by an emailed link opened in another browser than the one that asked
      // for it may not add or remove passkeys (src/sessions/fresh-sign-in.ts). Sessions before it: 0 (not one).
      if (!hasColumn(sql, "sessions", "cross_device")) {
        sql.exec("ALTER TABLE sessions ADD COLUMN cross_device INTEGER NOT NULL DEFAULT 0");
      }
      // Browsers that asked for a link while one was live (their request was coalesced): the live link opened
      // there is theirs too, not a cross-device sign-in (src/user/live-link-store.ts).
      sql.exec(`CREATE TABLE IF NOT EXISTS link_waiters (
        browser_hash TEXT PRIMARY KEY,
        return_to TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      )`);
    },
  },
  {
    version: 3,
    up(sql) {
      // An administrator's disable (src/user/account-store.ts): while set, the object refuses sign-in, code
      // redemption, refresh rotation and access tokens. One row; absent or null: enabled.
      sql.exec(`CREATE TABLE IF NOT EXISTS account_state (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        disabled_at INTEGER
      )`);
    },
  },
  {
    version: 4,
    up(sql) {
      // RFC 8707: the resource (its identifier) a grant family was authorized for; null for families before it and
      // for grants without one (their access tokens are for the issuer).
      if (!hasColumn(sql, "families", "resource")) sql.exec("ALTER TABLE families ADD COLUMN resource TEXT");
    },
  },
  {
    version: 5,
    up(sql) {
      // Federation: the upstream identity a session was started through (src/db/federated-identities.ts identityKey),
      // so unlinking it ends those sessions. Sessions before it were not started through one: null.
      if (!hasColumn(sql, "sessions", "identity")) sql.exec("ALTER TABLE sessions ADD COLUMN identity TEXT");
    },
  },
];

/**
 * The object's schema version: null for an object with no tables (never written), 0 for one made before
 * versions (it has `sessions`, which every written object has had since its first write).
 */
export function schemaVersion(sql: SqlStorage): number | null {
  if (hasTable(sql, "schema_version")) return Number(sql.exec("SELECT version FROM schema_version").one().version);
  return hasTable(sql, "sessions") ? 0 : null;
}

/** Runs the migrations above version `from` in order, each in one transaction together with its version. */
export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[], from: number): void {
  for (const [i, migration] of migrations.entries()) {
    if (migration.version !== i + 1) throw new TypeError(`migration ${i + 1} is numbered ${migration.version}`);
    if (migration.version <= from) continue;
    storage.transactionSync(() => {
      migration.up(storage.sql);
      storage.sql.exec(`CREATE TABLE IF NOT EXISTS schema_version (
        slot INTEGER PRIMARY KEY CHECK (slot = 1), version INTEGER NOT NULL
      )`);
      storage.sql.exec(
        `INSERT INTO schema_version (slot, version) VALUES (1, ?)
         ON CONFLICT(slot) DO UPDATE SET version = excluded.version`,
        migration.version,
      );
    });
  }
}

function hasTable(sql: SqlStorage, table: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table).toArray().length > 0;
}

/** Whether `table` has `column`, from its CREATE statement (which ALTER TABLE … ADD COLUMN updates). */
export function hasColumn(sql: SqlStorage, table: string, column: string): boolean {
  const row = sql.exec("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).toArray()[0];
  return row !== undefined && new RegExp(`\\b${column}\\b`).test(String(row.sql));
}
