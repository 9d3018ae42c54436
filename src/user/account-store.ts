/** The `account_state` table: one row holding whether an administrator disabled this user (and since when). */

export function disabledAt(sql: SqlStorage): number | null {
  const row = sql.exec("SELECT disabled_at FROM account_state WHERE slot = 1").toArray()[0];
  return row?.disabled_at == null ? null : Number(row.disabled_at);
}

/** Sets (a time) or clears (null) the flag. */
export function setDisabledAt(sql: SqlStorage, at: number | null): void {
  sql.exec(
    `INSERT INTO account_state (slot, disabled_at) VALUES (1, ?)
     ON CONFLICT(slot) DO UPDATE SET disabled_at = excluded.disabled_at`,
    at,
  );
}
