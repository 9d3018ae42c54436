/** OAuth client registry: client records from D1 through a short isolate cache (parsing: client-metadata.ts). */

import type { JSONWebKeySet } from "jose";
import type { Env } from "../config";
import { type ClientRow, findClientRow, insertClientRowIfAbsent, type NewClientRow } from "../db/clients";
import { CLIENT_CACHE_TTL_S } from "../lib/token-lifetimes";
import type { AssertionAlg, IdTokenAlg, TokenEndpointAuthMethod } from "./capabilities";
import type { ApplicationType } from "./client-metadata";

export interface ClientRecord {
  id: string;
  secretHash: string | null;
  name: string;
  logoUri: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  idTokenSignedResponseAlg: IdTokenAlg;
  firstParty: boolean;
  applicationType: ApplicationType;
  /**
   * The secret replaced by the last rotation (SHA-256, base64url) and when it stops being accepted (epoch ms):
   * client-auth.ts accepts it until then, so a rotation needs no coordinated switch-over.
   */
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
  /** RFC 7591 §2 jwks: the inline public keys of a private_key_jwt client (RFC 7523). */
  jwks: JSONWebKeySet | null;
  /** RFC 7591 §2 jwks_uri: where a private_key_jwt client publishes them instead (client-jwks.ts fetches it). */
  jwksUri: string | null;
  /** OIDC Registration 1.0 §2: the one alg its assertions must use; null = any of its method's algs. */
  tokenEndpointAuthSigningAlg: AssertionAlg | null;
  /** client_secret_jwt only: the secret itself (and the previous one), AES-GCM sealed (client-secret-box.ts). */
  secretEnc: string | null;
  /** Latchkey extension: the federation connections its users may use (ids); null = every enabled one. */
  connections: string[] | null;
}

function rowToRecord(row: ClientRow): ClientRecord {
  return {
    id: row.id,
    secretHash: row.secretHash,
    name: row.name,
    logoUri: row.logoUri,
    redirectUris: JSON.parse(row.redirectUris) as string[],
    postLogoutRedirectUris: JSON.parse(row.postLogoutRedirectUris) as string[],
    grantTypes: JSON.parse(row.grantTypes) as string[],
    responseTypes: JSON.parse(row.responseTypes) as string[],
    tokenEndpointAuthMethod: row.tokenEndpointAuthMethod as TokenEndpointAuthMethod,
    idTokenSignedResponseAlg: row.idTokenSignedResponseAlg as IdTokenAlg,
    firstParty: row.firstParty,
    applicationType: row.applicationType === "native" ? "native" : "web",
    previousSecretHash: row.previousSecretHash,
    previousSecretExpiresAt: row.previousSecretExpiresAt,
    jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as JSONWebKeySet),
    jwksUri: row.jwksUri,
    tokenEndpointAuthSigningAlg: row.tokenEndpointAuthSigningAlg as AssertionAlg | null,
    secretEnc: row.secretEnc,
    connections: row.connections === null ? null : (JSON.parse(row.connections) as string[]),
  };
}

export function recordToRow(record: ClientRecord, createdAt: number): NewClientRow {
  return {
    id: record.id,
    secretHash: record.secretHash,
    name: record.name,
    logoUri: record.logoUri,
    redirectUris: JSON.stringify(record.redirectUris),
    postLogoutRedirectUris: JSON.stringify(record.postLogoutRedirectUris),
    grantTypes: JSON.stringify(record.grantTypes),
    responseTypes: JSON.stringify(record.responseTypes),
    tokenEndpointAuthMethod: record.tokenEndpointAuthMethod,
    idTokenSignedResponseAlg: record.idTokenSignedResponseAlg,
    firstParty: record.firstParty,
    applicationType: record.applicationType,
    previousSecretHash: record.previousSecretHash,
    previousSecretExpiresAt: record.previousSecretExpiresAt,
    jwks: record.jwks === null ? null : JSON.stringify(record.jwks),
    jwksUri: record.jwksUri,
    tokenEndpointAuthSigningAlg: record.tokenEndpointAuthSigningAlg,
    secretEnc: record.secretEnc,
    connections: record.connections === null ? null : JSON.stringify(record.connections),
    createdAt,
  };
}

const MAX_CACHED_CLIENTS = 500;
/** Isolate cache by client_id, misses included (ids are random, so a cached miss cannot hide a new registration). */
const clientCache = new Map<string, { record: ClientRecord | null; at: number }>();

export function clearClientCache(): void {
  clientCache.clear();
}

/**
 * Drops one client from this isolate's cache after it changed or was deleted; other isolates see the change within
 * CLIENT_CACHE_TTL_S.
 */
export function forgetClient(clientId: string): void {
  clientCache.delete(clientId);
}

/**
 * The client registered as `clientId`, or null. A warm isolate answers from memory for CLIENT_CACHE_TTL_S unless
 * `fresh` asks for the stored row.
 */
export async function getClient(env: Env, clientId: string, fresh = false): Promise<ClientRecord | null> {
  const now = Date.now();
  const hit = fresh ? undefined : clientCache.get(clientId);
  if (hit && now - hit.at >= 0 && now - hit.at < CLIENT_CACHE_TTL_S * 1000) return hit.record;
  // Client ids are short random strings; anything else is not worth a D1 read.
  if (clientId.length === 0 || clientId.length > 200) return null;
  const row = await findClientRow(env.DB, clientId);
  const record = row ? rowToRecord(row) : null;
  clientCache.delete(clientId);
  if (clientCache.size >= MAX_CACHED_CLIENTS) {
    const oldest = clientCache.keys().next();
    if (!oldest.done) clientCache.delete(oldest.value);
  }
  clientCache.set(clientId, { record, at: now });
  return record;
}

/** INSERT OR IGNORE of a client with a known id (seeding the demo relying party). */
export async function ensureClient(env: Env, record: ClientRecord): Promise<void> {
  await insertClientRowIfAbsent(env.DB, recordToRow(record, Date.now()));
  clientCache.delete(record.id);
}
