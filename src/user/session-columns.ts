/**
 * Columns the UserDO's `sessions` table gained after its first schema. New objects get them in CREATE TABLE;
 * an object created before keeps its rows and gets each missing column added once, when it is next loaded.
 */

/** Column name → its definition in ALTER TABLE … ADD COLUMN (nullable, so existing rows stay valid). */
export const ADDED_SESSION_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  // The passkey a session was started with (null: an email link, or a session from before the column).
  ["credential_id", "credential_id TEXT"],
];

/** Adds whichever added columns the existing `sessions` table lacks; a no-op when it has them all. */
export function upgradeSessionsTable(sql: SqlStorage): void {
  const row = sql.exec("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sessions'").toArray()[0];
  if (!row) return;
  const definition = String(row.sql);
  for (const [name, column] of ADDED_SESSION_COLUMNS) {
    if (!new RegExp(`\\b${name}\\b`).test(definition)) sql.exec(`ALTER TABLE sessions ADD COLUMN ${column}`);
  }
}
