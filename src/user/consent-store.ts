/** Consents in the user's Durable Object (table `consents`, made by src/user/schema.ts): scopes granted per client. */

export function getConsent(sql: SqlStorage, clientId: string): string[] {
  const row = sql.exec("SELECT scope FROM consents WHERE client_id = ?", clientId).toArray()[0];
  return row ? String(row.scope).split(" ").filter(Boolean) : [];
}

/** Adds `scopes` to what the client was granted before. */
export function grantConsent(sql: SqlStorage, clientId: string, scopes: string[], now: number): void {
  const merged = new Set([...getConsent(sql, clientId), ...scopes]);
  sql.exec(
    `INSERT INTO consents (client_id, scope, granted_at) VALUES (?, ?, ?)
     ON CONFLICT(client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at`,
    clientId,
    [...merged].join(" "),
    now,
  );
}

export interface Consent {
  clientId: string;
  scopes: string[];
  grantedAt: number;
}

/** Every client the user consented to, with its scopes: for the person's own data download. */
export function listConsents(sql: SqlStorage): Consent[] {
  return sql
    .exec("SELECT client_id, scope, granted_at FROM consents ORDER BY granted_at, client_id")
    .toArray()
    .map((row) => ({
      clientId: String(row.client_id),
      scopes: String(row.scope).split(" ").filter(Boolean),
      grantedAt: Number(row.granted_at),
    }));
}
