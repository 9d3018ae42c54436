/** Drizzle schema for D1. Times are epoch milliseconds. Migrations are generated into migrations/. */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** Normalized (trimmed, lower-cased) address; unique. */
    email: text("email").notNull().unique(),
    emailVerifiedAt: integer("email_verified_at"),
    name: text("name"),
    createdAt: integer("created_at").notNull(),
    /** JSON array of role names ("admin" opens the console). */
    roles: text("roles").notNull().default("[]"),
    /** Set while the account is disabled: no sign-in, no token, no userinfo. */
    disabledAt: integer("disabled_at"),
    /** Access tokens issued before this time are refused at /userinfo (set when the account is disabled). */
    tokensValidAfter: integer("tokens_valid_after"),
    updatedAt: integer("updated_at"),
    lastSignInAt: integer("last_sign_in_at"),
  },
  (t) => [index("users_created_id").on(t.createdAt, t.id)],
);

export const credentials = sqliteTable(
  "credentials",
  {
    /** base64url credential id (WebAuthn L3 §4 "Credential ID"). */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** base64url COSE public key. */
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull().default(0),
    /** JSON array of AuthenticatorTransport. */
    transports: text("transports").notNull().default("[]"),
    aaguid: text("aaguid").notNull(),
    backupEligible: integer("backup_eligible", { mode: "boolean" }).notNull(),
    backupState: integer("backup_state", { mode: "boolean" }).notNull(),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("credentials_user_id").on(t.userId)],
);

export const clients = sqliteTable("clients", {
  id: text("id").primaryKey(),
  /** SHA-256 (base64url) of the client secret; null for public clients. */
  secretHash: text("secret_hash"),
  name: text("name").notNull(),
  logoUri: text("logo_uri"),
  redirectUris: text("redirect_uris").notNull(),
  postLogoutRedirectUris: text("post_logout_redirect_uris").notNull().default("[]"),
  grantTypes: text("grant_types").notNull(),
  responseTypes: text("response_types").notNull(),
  tokenEndpointAuthMethod: text("token_endpoint_auth_method").notNull(),
  idTokenSignedResponseAlg: text("id_token_signed_response_alg").notNull().default("ES256"),
  firstParty: integer("first_party", { mode: "boolean" }).notNull().default(false),
  /** OIDC Registration 1.0 §2: "web" or "native" (RFC 8252 loopback port rule applies to native only). */
  applicationType: text("application_type").notNull().default("web"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at"),
  /** The secret replaced by the last rotation, accepted until previousSecretExpiresAt (SHA-256, base64url). */
  previousSecretHash: text("previous_secret_hash"),
  previousSecretExpiresAt: integer("previous_secret_expires_at"),
  /** RFC 7591 §2 jwks: the client's public keys for private_key_jwt (RFC 7523), a JSON JWK Set. */
  jwks: text("jwks"),
  /** RFC 7591 §2 jwks_uri: where the client publishes those keys instead (fetched with limits, cached). */
  jwksUri: text("jwks_uri"),
  /** OIDC Registration 1.0 §2 token_endpoint_auth_signing_alg: the one alg the client's assertions use. */
  tokenEndpointAuthSigningAlg: text("token_endpoint_auth_signing_alg"),
  /**
   * client_secret_jwt (OIDC Core §9) needs the secret itself to check the HMAC: it is kept AES-GCM encrypted under
   * KEY_ENCRYPTION_SECRET, for clients registered with that method only (others keep only secretHash).
   */
  secretEnc: text("secret_enc"),
  /**
   * Latchkey extension: the federation connections (ids) this client's users may sign in with, a JSON array; null =
   * every enabled one, [] = none (passkeys and emailed links only). Ids of connections deleted since are ignored.
   */
  connections: text("connections"),
});

export const signingKeys = sqliteTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").notNull(),
  publicJwk: text("public_jwk").notNull(),
  /** AES-GCM ciphertext (base64url, iv prefixed) of the private JWK under KEY_ENCRYPTION_SECRET. */
  privateJwkEnc: text("private_jwk_enc").notNull(),
  createdAt: integer("created_at").notNull(),
  /** Published from createdAt; signs from signFrom (publish-before-sign). */
  signFrom: integer("sign_from").notNull(),
  /** Stops signing at retiredAt (null while active). */
  retiredAt: integer("retired_at"),
  /** Removed from the JWKS after this time (every token it signed has expired). */
  unpublishAt: integer("unpublish_at"),
});

export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    type: text("type").notNull(),
    /** "success" or "failure". */
    outcome: text("outcome").notNull().default("success"),
    userId: text("user_id"),
    clientId: text("client_id"),
    /** Who caused it: "user", "admin:token", "admin:<user id>", "system". */
    actor: text("actor"),
    ip: text("ip"),
    country: text("country"),
    userAgent: text("user_agent"),
    /** A small JSON object whose fields depend on the type (docs/events.md). */
    detail: text("detail").notNull().default("{}"),
  },
  (t) => [
    index("audit_events_user_at").on(t.userId, t.at),
    index("audit_events_at_id").on(t.at, t.id),
    index("audit_events_client_at").on(t.clientId, t.at),
    index("audit_events_type_at").on(t.type, t.at),
  ],
);

export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  description: text("description"),
  /** JSON array of subscribed event types. */
  events: text("events").notNull(),
  /** The whsec_ signing secret, AES-GCM encrypted under KEY_ENCRYPTION_SECRET (it must be usable to sign). */
  secretEnc: text("secret_enc").notNull(),
  /** "active", or "failing" once a message exhausted every retry. */
  status: text("status").notNull().default("active"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    /** One row per attempt. */
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    /** The webhook-id header: the same for every attempt of one message. */
    messageId: text("message_id").notNull(),
    eventType: text("event_type").notNull(),
    attempt: integer("attempt").notNull(),
    at: integer("at").notNull(),
    /** HTTP status of the receiver's answer; null when none came (timeout, refused connection). */
    statusCode: integer("status_code"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    /** "succeeded", "retrying" (another attempt is scheduled) or "failed" (the schedule is exhausted). */
    outcome: text("outcome").notNull(),
    nextAttemptAt: integer("next_attempt_at"),
  },
  (t) => [index("webhook_deliveries_endpoint_at").on(t.endpointId, t.at, t.id)],
);

/** Resource servers (APIs): an access token for one names its identifier as `aud` (RFC 8707, RFC 9068 §3). */
export const resourceServers = sqliteTable("resource_servers", {
  id: text("id").primaryKey(),
  /** An absolute URI without a fragment (RFC 8707 §2); unique. */
  identifier: text("identifier").notNull().unique(),
  name: text("name").notNull(),
  /** JSON array of {value, description}: the scopes this API defines. */
  scopes: text("scopes").notNull().default("[]"),
  /** Lifetime of its access tokens; null = ACCESS_TOKEN_TTL_S. */
  accessTokenTtlSeconds: integer("access_token_ttl_seconds"),
  /** JSON array of client ids allowed to introspect its tokens (RFC 7662 §2.1). */
  introspectionClients: text("introspection_clients").notNull().default("[]"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The scopes of a resource a client may obtain (Auth0's "client grants"). resource_id is not a foreign key: the
 * built-in admin API resource (src/oidc/resource-registry.ts) has no row; deleting a resource deletes its grants.
 */
export const clientGrants = sqliteTable(
  "client_grants",
  {
    clientId: text("client_id")
      .notNull()
      .references(() => clients.id, { onDelete: "cascade" }),
    resourceId: text("resource_id").notNull(),
    /** JSON array of scope values, each one the resource defines. */
    scopes: text("scopes").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.resourceId] }), index("client_grants_resource").on(t.resourceId)],
);

/**
 * Upstream identity providers (federation): an OpenID Connect provider found by discovery from `issuer`, or a preset
 * (Google, Microsoft, Apple, GitHub). The client secret (Apple: the PKCS #8 signing key) is AES-GCM sealed under
 * KEY_ENCRYPTION_SECRET with the connection id as associated data (src/keys/crypto-box.ts).
 */
export const connections = sqliteTable("connections", {
  /** A slug chosen by the administrator: it appears in URLs (`connection=` on /authorize). */
  id: text("id").primaryKey(),
  displayName: text("display_name").notNull(),
  /** "oidc" or "oauth2" (GitHub). */
  type: text("type").notNull(),
  /** "google", "microsoft", "apple", "github", or null for a generic OpenID Provider. */
  preset: text("preset"),
  issuer: text("issuer"),
  clientId: text("client_id").notNull(),
  clientSecretEnc: text("client_secret_enc"),
  /** JSON array of the scopes asked for upstream. */
  scopes: text("scopes").notNull().default("[]"),
  /** Whether the provider's email_verified is trusted for linking to an existing account (never for Microsoft). */
  trustEmailVerified: integer("trust_email_verified", { mode: "boolean" }).notNull().default(false),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  /** Apple only: the team id (the client secret JWT's iss) and the key id (its kid). */
  appleTeamId: text("apple_team_id"),
  appleKeyId: text("apple_key_id"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** (connection, upstream subject) → user: how a person signs in through an upstream provider. */
export const federatedIdentities = sqliteTable(
  "federated_identities",
  {
    connectionId: text("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    /** The upstream `sub` (GitHub: the numeric user id), never the email. */
    subject: text("subject").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** What the provider said last: the email, whether it verified it, the name. */
    email: text("email"),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    name: text("name"),
    createdAt: integer("created_at").notNull(),
    lastSignInAt: integer("last_sign_in_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.subject] }), index("federated_identities_user").on(t.userId)],
);
