/**
 * Registering a client from validated RFC 7591 metadata, shared by POST /register and POST /admin/api/clients so
 * that both store the same record and answer with the same client information response.
 */
import type { Env } from "../config";
import { getConfig } from "../config";
import { insertClientRow } from "../db/clients";
import { existingConnectionIds } from "../db/connections";
import { randomToken, sha256b64url } from "../lib/crypto";
import type { ClientMetadata } from "./client-metadata";
import { sealClientSecrets } from "./client-secret-box";
import { type ClientRecord, recordToRow } from "./clients";

/** RFC 7591 §3.2.1 client information response. */
export interface ClientInformation extends ClientMetadata {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at?: number;
}

/** A client secret: 32 random bytes, base64url (the clear value exists only in the response that shows it). */
export function newClientSecret(): string {
  return randomToken(32);
}

/** The record columns that come from metadata (RFC 7591 §2 names mapped to ours). */
export function metadataFields(
  metadata: ClientMetadata,
  clientId: string,
): Omit<ClientRecord, "id" | "secretHash" | "previousSecretHash" | "previousSecretExpiresAt" | "secretEnc"> {
  return {
    // RFC 7591 §2: without client_name the server may show the client_id instead.
    name: metadata.client_name ?? clientId,
    logoUri: metadata.logo_uri ?? null,
    redirectUris: metadata.redirect_uris,
    postLogoutRedirectUris: metadata.post_logout_redirect_uris,
    grantTypes: metadata.grant_types,
    responseTypes: metadata.response_types,
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    idTokenSignedResponseAlg: metadata.id_token_signed_response_alg,
    firstParty: metadata.first_party,
    applicationType: metadata.application_type,
    jwks: metadata.jwks ?? null,
    jwksUri: metadata.jwks_uri ?? null,
    tokenEndpointAuthSigningAlg: metadata.token_endpoint_auth_signing_alg ?? null,
    connections: metadata.connections ?? null,
  };
}

/**
 * Why the metadata's `connections` cannot be stored (an id no connection has: a typo would silently hide a provider),
 * or null. Connections deleted later are only ignored at sign-in.
 */
export async function connectionsProblem(d1: D1Database, metadata: ClientMetadata): Promise<string | null> {
  const ids = metadata.connections ?? [];
  const existing = await existingConnectionIds(d1, ids);
  const unknown = ids.filter((id) => !existing.has(id));
  return unknown.length ? `connections names no connection: ${unknown.join(", ")}` : null;
}

/** Whether clients using `method` get a client secret: not public clients, not private_key_jwt (OIDC Core §9). */
export function issuesSecret(method: ClientMetadata["token_endpoint_auth_method"]): boolean {
  return method !== "none" && method !== "private_key_jwt";
}

/**
 * Stores a client for validated metadata; the clear secret exists only in the returned response (DESIGN: secrets at
 * rest are hashes). A client_secret_jwt client's secret is also kept AES-GCM sealed: the HMAC needs it.
 */
export async function registerClient(env: Env, metadata: ClientMetadata, now: number): Promise<ClientInformation> {
  const clientId = randomToken(24);
  const method = metadata.token_endpoint_auth_method;
  const secret = issuesSecret(method) ? newClientSecret() : null;
  const record: ClientRecord = {
    id: clientId,
    secretHash: secret === null ? null : await sha256b64url(secret),
    ...metadataFields(metadata, clientId),
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    secretEnc:
      secret !== null && method === "client_secret_jwt"
        ? await sealClientSecrets(getConfig(env).keyEncryptionSecret, clientId, { current: secret, previous: null })
        : null,
  };
  await insertClientRow(env.DB, recordToRow(record, now));
  const info: ClientInformation = { client_id: clientId, client_id_issued_at: Math.floor(now / 1000), ...metadata };
  if (secret !== null) {
    info.client_secret = secret;
    // RFC 7591 §3.2.1: REQUIRED when a secret is issued; 0 = never expires.
    info.client_secret_expires_at = 0;
  }
  return info;
}
