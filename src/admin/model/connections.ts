/**
 * Upstream identity provider connections (federation) as the admin API and console manage them: list, read, create,
 * update, delete, every change audited. The client secret is write-only: sealed at rest (src/keys/crypto-box.ts,
 * purpose "connection-secret", the connection id as associated data) and never read back, only `has_client_secret`.
 */
import { importPKCS8 } from "jose";
import * as v from "valibot";
import { type AuditSink, recordEvents } from "../../audit/record";
import type { Config } from "../../config";
import {
  type ConnectionRow,
  countConnections,
  deleteConnectionRow,
  findConnectionRow,
  forgetSignInConnections,
  insertConnectionRow,
  listConnectionRows,
  MAX_CONNECTIONS,
  type NewConnectionRow,
  updateConnectionRow,
} from "../../db/connections";
import { type Preset, rowToConnection } from "../../federation/connection";
import { presetDefaults } from "../../federation/presets";
import { encryptString } from "../../keys/crypto-box";
import { CONNECTION_ID } from "../../lib/connection-id";
import { LOOPBACK_HOSTS } from "../../lib/loopback";
import { type InvalidField, Problem } from "../api/problem";
import { rfc3339, timestamp } from "../api/wire";
import type { Actor } from "./clients";

const PRESET_NAMES = ["google", "microsoft", "apple", "github"] as const;

export const connectionSchema = v.object({
  id: v.pipe(v.string(), v.description("A slug: `connection=<id>` on /authorize jumps straight to it")),
  display_name: v.pipe(v.string(), v.description('Shown as "Continue with <display_name>"')),
  type: v.picklist(["oidc", "oauth2"]),
  preset: v.nullable(v.picklist(PRESET_NAMES)),
  issuer: v.pipe(v.string(), v.description("The OpenID Provider's issuer (GitHub: its web origin)")),
  client_id: v.string(),
  has_client_secret: v.pipe(v.boolean(), v.description("The secret itself is write-only")),
  scopes: v.array(v.string()),
  trust_email_verified: v.pipe(
    v.boolean(),
    v.description("Whether the provider's email_verified links to an existing account (never for Microsoft)"),
  ),
  enabled: v.boolean(),
  apple_team_id: v.nullable(v.string()),
  apple_key_id: v.nullable(v.string()),
  created_at: timestamp,
  updated_at: timestamp,
});
export type ConnectionWire = v.InferOutput<typeof connectionSchema>;

const slug = v.pipe(v.string(), v.regex(CONNECTION_ID, "lower-case letters, digits and inner hyphens, 1 to 64"));
const displayName = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100));
const issuer = v.pipe(v.string(), v.maxLength(512));
const clientId = v.pipe(v.string(), v.minLength(1), v.maxLength(255));
const clientSecret = v.pipe(v.string(), v.minLength(1), v.maxLength(8192));
// RFC 6749 §3.3 scope-token: printable ASCII except space, double quote and backslash.
const scopes = v.pipe(
  v.array(v.pipe(v.string(), v.regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/))),
  v.minLength(1),
  v.maxLength(30),
);
const appleId = v.nullable(v.pipe(v.string(), v.regex(/^[A-Z0-9]{10}$/, "ten upper-case letters or digits")));

export const createConnectionBody = v.strictObject({
  id: slug,
  display_name: displayName,
  type: v.optional(v.picklist(["oidc", "oauth2"])),
  preset: v.optional(v.nullable(v.picklist(PRESET_NAMES))),
  issuer: v.optional(issuer),
  client_id: clientId,
  client_secret: v.optional(clientSecret),
  scopes: v.optional(scopes),
  trust_email_verified: v.optional(v.boolean()),
  enabled: v.optional(v.boolean()),
  apple_team_id: v.optional(appleId),
  apple_key_id: v.optional(appleId),
});
type CreateConnection = v.InferOutput<typeof createConnectionBody>;

/** The id, type and preset name what the connection is: another one is another connection. */
export const updateConnectionBody = v.strictObject({
  display_name: v.optional(displayName),
  issuer: v.optional(issuer),
  client_id: v.optional(clientId),
  client_secret: v.optional(clientSecret),
  scopes: v.optional(scopes),
  trust_email_verified: v.optional(v.boolean()),
  enabled: v.optional(v.boolean()),
  apple_team_id: v.optional(appleId),
  apple_key_id: v.optional(appleId),
});
type UpdateConnection = v.InferOutput<typeof updateConnectionBody>;

function wire(row: ConnectionRow): ConnectionWire {
  const c = rowToConnection(row);
  return {
    id: c.id,
    display_name: c.displayName,
    type: c.type,
    preset: c.preset,
    issuer: c.issuer,
    client_id: c.clientId,
    has_client_secret: c.clientSecretEnc !== null,
    scopes: c.scopes,
    trust_email_verified: c.trustEmailVerified,
    enabled: c.enabled,
    apple_team_id: c.appleTeamId,
    apple_key_id: c.appleKeyId,
    created_at: rfc3339(row.createdAt),
    updated_at: rfc3339(row.updatedAt),
  };
}

const notFound = () => new Problem(404, "not-found", "There is no connection with this id.");
const invalid = (errors: InvalidField[]) => new Problem(422, "validation", "The body is invalid.", errors);

/**
 * OIDC Discovery 1.0 §4.3 / RFC 8414 §2: an issuer is an https URL with no query or fragment (plain http only to a
 * loopback host while the provider itself runs on one, for local development and tests).
 */
function issuerProblem(raw: string, config: Config): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a URL";
  }
  const loopbackDev = config.insecureDev && url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !loopbackDev) return "must be an https URL";
  if (url.search || url.hash || raw.includes("#")) return "must have no query or fragment";
  if (url.username || url.password) return "must not carry credentials";
  return null;
}

/** What a connection of this kind needs to work, as 422 fields; the stored values otherwise. */
async function checked(
  config: Config,
  fields: {
    type: "oidc" | "oauth2";
    preset: Preset | null;
    issuer: string;
    scopes: string[];
    secret: string | null | undefined;
    hasSecret: boolean;
    appleTeamId: string | null;
    appleKeyId: string | null;
    trustEmailVerified: boolean;
  },
): Promise<InvalidField[]> {
  const errors: InvalidField[] = [];
  const issue = issuerProblem(fields.issuer, config);
  if (issue) errors.push({ pointer: "/issuer", detail: issue });
  // OIDC Core §3.1.2.1: an OpenID Connect request must carry the openid scope.
  if (fields.type === "oidc" && !fields.scopes.includes("openid"))
    errors.push({ pointer: "/scopes", detail: 'an OpenID Connect connection asks for "openid"' });
  // A generic OAuth 2.0 provider has no standard profile endpoint: only GitHub's REST API is known.
  if (fields.type === "oauth2" && fields.preset !== "github")
    errors.push({ pointer: "/type", detail: 'only the "github" preset is an OAuth 2.0 connection' });
  if (!fields.hasSecret) errors.push({ pointer: "/client_secret", detail: "is required" });
  // Microsoft identity platform, ID token claims: `email` is not verified by Entra (the "nOAuth" class).
  if (fields.preset === "microsoft" && fields.trustEmailVerified)
    errors.push({
      pointer: "/trust_email_verified",
      detail: "Microsoft Entra's email claim is never trusted for linking",
    });
  if (fields.preset === "apple") {
    // Sign in with Apple: the client secret is an ES256 JWT Latchkey signs with this key (its kid, its team).
    if (!fields.appleTeamId) errors.push({ pointer: "/apple_team_id", detail: "is required for Apple" });
    if (!fields.appleKeyId) errors.push({ pointer: "/apple_key_id", detail: "is required for Apple" });
    if (fields.secret && !(await isP256Pkcs8(fields.secret)))
      errors.push({ pointer: "/client_secret", detail: "must be Apple's PKCS #8 P-256 private key (PEM)" });
  }
  return errors;
}

async function isP256Pkcs8(pem: string): Promise<boolean> {
  try {
    await importPKCS8(pem, "ES256");
    return true;
  } catch {
    return false;
  }
}

/** OIDC Discovery 1.0 §4.3 compares issuers as exact strings, so one is stored as given; GitHub's origin without "/". */
function storedIssuer(preset: Preset | null, issuer: string): string {
  return preset === "github" ? issuer.replace(/\/+$/, "") : issuer;
}

function seal(config: Config, id: string, secret: string): Promise<string> {
  return encryptString(config.keyEncryptionSecret, secret, id, "connection-secret");
}

export async function listConnections(d1: D1Database): Promise<{ data: ConnectionWire[]; next_cursor: null }> {
  return { data: (await listConnectionRows(d1)).map(wire), next_cursor: null };
}

export async function getConnection(d1: D1Database, id: string): Promise<ConnectionWire> {
  const row = await findConnectionRow(d1, id);
  if (!row) throw notFound();
  return wire(row);
}

export async function createConnection(
  sink: AuditSink,
  actor: Actor,
  config: Config,
  body: CreateConnection,
  now = Date.now(),
): Promise<ConnectionWire> {
  const preset = body.preset ?? null;
  const defaults = preset ? presetDefaults(preset) : null;
  const type = body.type ?? defaults?.type ?? "oidc";
  if (defaults && body.type !== undefined && body.type !== defaults.type)
    throw invalid([{ pointer: "/type", detail: `the ${preset} preset is "${defaults.type}"` }]);
  const issuerValue = body.issuer ?? defaults?.issuer;
  if (issuerValue === undefined) throw invalid([{ pointer: "/issuer", detail: "is required without a preset" }]);
  const scopeList = [...new Set(body.scopes ?? defaults?.scopes ?? ["openid", "email", "profile"])];
  const appleTeamId = body.apple_team_id ?? null;
  const appleKeyId = body.apple_key_id ?? null;
  const errors = await checked(config, {
    type,
    preset,
    issuer: issuerValue,
    scopes: scopeList,
    secret: body.client_secret,
    hasSecret: body.client_secret !== undefined,
    appleTeamId,
    appleKeyId,
    trustEmailVerified: body.trust_email_verified ?? false,
  });
  if (errors.length > 0) throw invalid(errors);
  if ((await countConnections(sink.env.DB)) >= MAX_CONNECTIONS)
    throw new Problem(409, "limit", `There are already ${MAX_CONNECTIONS} connections, the most Latchkey holds.`);
  const row: NewConnectionRow = {
    id: body.id,
    displayName: body.display_name,
    type,
    preset,
    issuer: storedIssuer(preset, issuerValue),
    clientId: body.client_id,
    clientSecretEnc: body.client_secret === undefined ? null : await seal(config, body.id, body.client_secret),
    scopes: JSON.stringify(scopeList),
    trustEmailVerified: body.trust_email_verified ?? false,
    enabled: body.enabled ?? true,
    appleTeamId,
    appleKeyId,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await insertConnectionRow(sink.env.DB, row)))
    throw new Problem(409, "conflict", "Another connection has this id.");
  forgetSignInConnections();
  recordEvents(sink, { type: "connection.created", actor, detail: { connection: row.id, preset, issuer: row.issuer } });
  return getConnection(sink.env.DB, row.id);
}

export async function updateConnection(
  sink: AuditSink,
  actor: Actor,
  config: Config,
  id: string,
  body: UpdateConnection,
  now = Date.now(),
): Promise<ConnectionWire> {
  const d1 = sink.env.DB;
  const existing = await findConnectionRow(d1, id);
  if (!existing) throw notFound();
  const current = rowToConnection(existing);
  const appleTeamId = body.apple_team_id === undefined ? current.appleTeamId : body.apple_team_id;
  const appleKeyId = body.apple_key_id === undefined ? current.appleKeyId : body.apple_key_id;
  const issuerValue = body.issuer ?? current.issuer;
  const scopeList = body.scopes ? [...new Set(body.scopes)] : current.scopes;
  const errors = await checked(config, {
    type: current.type,
    preset: current.preset,
    issuer: issuerValue,
    scopes: scopeList,
    secret: body.client_secret,
    hasSecret: body.client_secret !== undefined || current.clientSecretEnc !== null,
    appleTeamId,
    appleKeyId,
    trustEmailVerified: body.trust_email_verified ?? current.trustEmailVerified,
  });
  if (errors.length > 0) throw invalid(errors);
  const set: Partial<NewConnectionRow> = { updatedAt: now };
  if (body.display_name !== undefined) set.displayName = body.display_name;
  if (body.issuer !== undefined) set.issuer = storedIssuer(current.preset, issuerValue);
  if (body.client_id !== undefined) set.clientId = body.client_id;
  if (body.client_secret !== undefined) set.clientSecretEnc = await seal(config, id, body.client_secret);
  if (body.scopes !== undefined) set.scopes = JSON.stringify(scopeList);
  if (body.trust_email_verified !== undefined) set.trustEmailVerified = body.trust_email_verified;
  if (body.enabled !== undefined) set.enabled = body.enabled;
  if (body.apple_team_id !== undefined) set.appleTeamId = appleTeamId;
  if (body.apple_key_id !== undefined) set.appleKeyId = appleKeyId;
  const row = await updateConnectionRow(d1, id, set);
  if (!row) throw notFound();
  forgetSignInConnections();
  // The field names only: the secret's value is never in the log.
  recordEvents(sink, { type: "connection.updated", actor, detail: { connection: id, fields: Object.keys(body) } });
  return wire(row);
}

/** Its federated identities go with it (cascade): its people keep their passkeys and, if proven, their address. */
export async function deleteConnection(sink: AuditSink, actor: Actor, id: string): Promise<void> {
  if (!(await deleteConnectionRow(sink.env.DB, id))) throw notFound();
  forgetSignInConnections();
  recordEvents(sink, { type: "connection.deleted", actor, detail: { connection: id } });
}
