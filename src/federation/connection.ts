/** An upstream identity provider as Latchkey uses it (the row is in src/db/schema.ts, `connections`). */
import type { ConnectionRow } from "../db/connections";

const CONNECTION_TYPES = ["oidc", "oauth2"] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];
const PRESETS = ["google", "microsoft", "apple", "github"] as const;
export type Preset = (typeof PRESETS)[number];

export interface Connection {
  id: string;
  displayName: string;
  type: ConnectionType;
  preset: Preset | null;
  /** The OpenID Provider's issuer identifier (OIDC Discovery 1.0 §4.3), or GitHub's web origin. */
  issuer: string;
  clientId: string;
  /** Sealed (src/keys/crypto-box.ts, purpose "connection-secret", the connection id as associated data). */
  clientSecretEnc: string | null;
  scopes: string[];
  trustEmailVerified: boolean;
  enabled: boolean;
  appleTeamId: string | null;
  appleKeyId: string | null;
}

/**
 * Latchkey's redirect URI for one connection, registered at its provider. One per connection: the path says which
 * provider an answer is from (RFC 9700 §4.4.2, mix-up defense by distinct redirect URIs).
 */
export function federationCallbackPath(connectionId: string): `/auth/federation/callback/${string}` {
  return `/auth/federation/callback/${encodeURIComponent(connectionId)}`;
}

export function rowToConnection(row: ConnectionRow): Connection {
  return {
    id: row.id,
    displayName: row.displayName,
    type: row.type === "oauth2" ? "oauth2" : "oidc",
    preset: (PRESETS as readonly string[]).includes(row.preset ?? "") ? (row.preset as Preset) : null,
    issuer: row.issuer ?? "",
    clientId: row.clientId,
    clientSecretEnc: row.clientSecretEnc,
    scopes: JSON.parse(row.scopes) as string[],
    trustEmailVerified: row.trustEmailVerified,
    enabled: row.enabled,
    appleTeamId: row.appleTeamId,
    appleKeyId: row.appleKeyId,
  };
}
