/**
 * Clients as the admin API and console manage them: list, read, create (exactly as POST /register does), update
 * with the registration rules re-applied, delete, and secret rotation with a grace period. Every change is audited.
 */
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { type AuditSink, recordEvents } from "../../audit/record";
import { getConfig } from "../../config";
import { db } from "../../db/client";
import { type ClientRow, findClientRow } from "../../db/clients";
import { clients } from "../../db/schema";
import { sha256b64url } from "../../lib/crypto";
import { CLIENT_SECRET_GRACE_S } from "../../lib/token-lifetimes";
import type { TokenEndpointAuthMethod } from "../../oidc/capabilities";
import {
  type ClientMetadata,
  type MetadataOptions,
  type MetadataResult,
  parseClientMetadata,
} from "../../oidc/client-metadata";
import { openClientSecrets, sealClientSecrets } from "../../oidc/client-secret-box";
import { forgetClient } from "../../oidc/clients";
import {
  type ClientInformation,
  connectionsProblem,
  issuesSecret,
  metadataFields,
  newClientSecret,
  registerClient,
} from "../../oidc/register-client";
import { type PageRequest, pageOf } from "../api/pagination";
import { Problem } from "../api/problem";
import { rfc3339 } from "../api/wire";
import { type ClientWire, clientWire, METADATA_KEYS, metadataOfRow } from "./client-wire";

/** Who made the change, for the audit log ("admin:token", "admin:<user id>"). */
export type Actor = string;

/** A refusal by the registration rules as problem details naming the field (RFC 9457 §3: `errors`). */
function metadataProblem(result: Extract<MetadataResult, { ok: false }>): Problem {
  return new Problem(422, result.error.replaceAll("_", "-"), result.description, [
    { pointer: result.field ? `/${result.field}` : "", detail: result.description },
  ]);
}

async function assertConnectionsExist(d1: D1Database, metadata: ClientMetadata): Promise<void> {
  const detail = await connectionsProblem(d1, metadata);
  if (detail) throw new Problem(422, "invalid-client-metadata", detail, [{ pointer: "/connections", detail }]);
}

function notFound(): Problem {
  return new Problem(404, "not-found", "There is no client with this id.");
}

/** Newest first; the cursor is (created_at, id) of the last row. */
export async function listClients(
  d1: D1Database,
  page: PageRequest,
): Promise<{ data: ClientWire[]; next_cursor: string | null }> {
  const conditions: SQL[] = [];
  if (page.after) {
    const key = Number(page.after.key);
    conditions.push(or(lt(clients.createdAt, key), and(eq(clients.createdAt, key), lt(clients.id, page.after.id)))!);
  }
  const rows = await db(d1)
    .select()
    .from(clients)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(clients.createdAt), desc(clients.id))
    .limit(page.limit + 1)
    .all();
  const out = pageOf(rows, page.limit, (r) => ({ key: r.createdAt, id: r.id }));
  return { data: out.rows.map(clientWire), next_cursor: out.next_cursor };
}

export async function getClientWire(d1: D1Database, id: string): Promise<ClientWire | null> {
  const row = await findClientRow(d1, id);
  return row ? clientWire(row) : null;
}

/** RFC 7591 §3.2: the same validation, record and client information response as POST /register. */
export async function createClient(
  sink: AuditSink,
  actor: Actor,
  body: unknown,
  options: MetadataOptions,
  now = Date.now(),
): Promise<ClientInformation> {
  const parsed = parseClientMetadata(body, options);
  if (!parsed.ok) throw metadataProblem(parsed);
  await assertConnectionsExist(sink.env.DB, parsed.metadata);
  const info = await registerClient(sink.env, parsed.metadata, now);
  recordEvents(sink, {
    type: "client.registered",
    clientId: info.client_id,
    actor,
    detail: { token_endpoint_auth_method: info.token_endpoint_auth_method, via: "admin" },
  });
  return info;
}

/**
 * Why a client registered with `from` cannot switch to `to`, or null. What is stored for its credential must stay
 * usable: no secret (none), public keys (private_key_jwt), a hashed secret (client_secret_basic/post) or a hashed and
 * sealed one (client_secret_jwt, which may fall back to basic/post: the hash is there).
 */
function methodChangeProblem(from: TokenEndpointAuthMethod, to: TokenEndpointAuthMethod): string | null {
  if (from === to) return null;
  if (from === "none" || to === "none")
    return from === "none"
      ? "a public client has no secret; register a new confidential client instead"
      : "a confidential client cannot drop its secret; register a new public client instead";
  if (from === "private_key_jwt" || to === "private_key_jwt")
    return "private_key_jwt clients have no secret and other clients no keys; register a new client instead";
  if (to === "client_secret_jwt")
    return "only the hash of this client's secret is stored, which cannot key an HMAC; register a new client instead";
  return null;
}

/**
 * Applies the given RFC 7591 fields over the stored metadata (null removes an optional one) and re-validates the
 * whole with the registration rules. The auth method changes only where the stored credential still fits
 * (methodChangeProblem); anything else is a new registration.
 */
export async function updateClient(
  sink: AuditSink,
  actor: Actor,
  id: string,
  changes: Record<string, unknown>,
  options: MetadataOptions,
  now = Date.now(),
): Promise<ClientWire> {
  const row = await findClientRow(sink.env.DB, id);
  if (!row) throw notFound();
  const parsed = parseClientMetadata({ ...metadataOfRow(row), ...changes }, options);
  if (!parsed.ok) throw metadataProblem(parsed);
  if ("connections" in changes) await assertConnectionsExist(sink.env.DB, parsed.metadata);
  const method = parsed.metadata.token_endpoint_auth_method;
  const detail = methodChangeProblem(row.tokenEndpointAuthMethod as TokenEndpointAuthMethod, method);
  if (detail)
    throw new Problem(422, "validation", "The body is invalid.", [{ pointer: "/token_endpoint_auth_method", detail }]);
  const fields = metadataFields(parsed.metadata, id);
  await db(sink.env.DB)
    .update(clients)
    .set({
      ...fields,
      redirectUris: JSON.stringify(fields.redirectUris),
      postLogoutRedirectUris: JSON.stringify(fields.postLogoutRedirectUris),
      grantTypes: JSON.stringify(fields.grantTypes),
      responseTypes: JSON.stringify(fields.responseTypes),
      jwks: fields.jwks === null ? null : JSON.stringify(fields.jwks),
      connections: fields.connections === null ? null : JSON.stringify(fields.connections),
      // Off client_secret_jwt, the clear secret is no longer needed: only its hash stays.
      ...(method === "client_secret_jwt" ? {} : { secretEnc: null }),
      updatedAt: now,
    })
    .where(eq(clients.id, id))
    .run();
  forgetClient(id);
  recordEvents(sink, {
    type: "client.updated",
    clientId: id,
    actor,
    detail: { fields: Object.keys(changes).filter((k) => METADATA_KEYS.has(k)) },
  });
  const updated = await findClientRow(sink.env.DB, id);
  if (!updated) throw notFound();
  return clientWire(updated);
}

/**
 * Deletes the client. Its codes and refresh tokens stop working with it: the token endpoint authenticates the client
 * first (src/oidc/client-auth.ts) and an unknown client is invalid_client (RFC 6749 §5.2), at once on this isolate
 * and within CLIENT_CACHE_TTL_S (60 s) on the others. Its refresh families expire in the users' objects.
 */
export async function deleteClient(sink: AuditSink, actor: Actor, id: string): Promise<void> {
  const result = await db(sink.env.DB).delete(clients).where(eq(clients.id, id)).run();
  if (result.meta.changes === 0) throw notFound();
  forgetClient(id);
  recordEvents(sink, { type: "client.deleted", clientId: id, actor });
}

export interface RotatedSecret {
  client_id: string;
  client_secret: string;
  client_secret_expires_at: number;
  previous_secret_expires_at: string;
}

/**
 * A new secret for a confidential client. The one it replaces is accepted for CLIENT_SECRET_GRACE_S (24 h) more;
 * a secret replaced by an earlier rotation is refused at once. The write is conditional on the secret read, so two
 * concurrent rotations cannot both claim to have moved the same secret to the grace slot.
 */
export async function rotateClientSecret(
  sink: AuditSink,
  actor: Actor,
  id: string,
  now = Date.now(),
): Promise<RotatedSecret> {
  const row: ClientRow | null = await findClientRow(sink.env.DB, id);
  if (!row) throw notFound();
  // RFC 6749 §2.1: a public client has no secret to rotate; OIDC Core §9: nor does a private_key_jwt client.
  const method = row.tokenEndpointAuthMethod as TokenEndpointAuthMethod;
  if (!issuesSecret(method) || row.secretHash === null) {
    throw new Problem(409, "public-client", `This client authenticates with ${method}: it has no secret.`);
  }
  const secret = newClientSecret();
  const expiresAt = now + CLIENT_SECRET_GRACE_S * 1000;
  // client_secret_jwt: the sealed pair becomes {new, replaced}; the replaced one verifies HMACs until expiresAt.
  let secretEnc: string | null = null;
  if (method === "client_secret_jwt" && row.secretEnc !== null) {
    const keySecret = getConfig(sink.env).keyEncryptionSecret;
    const old = await openClientSecrets(keySecret, id, row.secretEnc);
    secretEnc = await sealClientSecrets(keySecret, id, { current: secret, previous: old.current });
  }
  const result = await db(sink.env.DB)
    .update(clients)
    .set({
      secretHash: await sha256b64url(secret),
      previousSecretHash: row.secretHash,
      previousSecretExpiresAt: expiresAt,
      secretEnc,
      updatedAt: now,
    })
    .where(and(eq(clients.id, id), eq(clients.secretHash, row.secretHash)))
    .run();
  if (result.meta.changes === 0) {
    throw new Problem(409, "conflict", "The secret was rotated or the client deleted meanwhile; read it and retry.");
  }
  forgetClient(id);
  recordEvents(sink, {
    type: "client.secret_rotated",
    clientId: id,
    actor,
    detail: { previous_secret_expires_at: rfc3339(expiresAt) },
  });
  return {
    client_id: id,
    client_secret: secret,
    client_secret_expires_at: 0,
    previous_secret_expires_at: rfc3339(expiresAt),
  };
}
