/** Drizzle schema for D1. Times are epoch milliseconds. Migrations are generated into migrations/. */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** Normalized (trimmed, lower-cased) address; unique. */
  email: text("email").notNull().unique(),
  emailVerifiedAt: integer("email_verified_at"),
  name: text("name"),
  createdAt: integer("created_at").notNull(),
});

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
    userId: text("user_id"),
    detail: text("detail").notNull().default("{}"),
  },
  (t) => [index("audit_events_user_at").on(t.userId, t.at)],
);
