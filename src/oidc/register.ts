/** RFC 7591 dynamic client registration at registration_endpoint, authorized by the admin bearer token. */
import { Hono } from "hono";
import type { AppEnv } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import type { Env } from "../config";
import { insertClientRow } from "../db/clients";
import { ApiError, OAuthError } from "../errors";
import { readJson } from "../lib/body";
import { randomToken, sha256b64url } from "../lib/crypto";
import { adminBearer } from "../middleware/admin-bearer";
import { type ClientMetadata, parseClientMetadata } from "./client-metadata";
import { type ClientRecord, recordToRow } from "./clients";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

/** RFC 7591 §3.2.1 client information response. */
interface ClientInformation extends ClientMetadata {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at?: number;
}

/**
 * Stores a client for validated metadata; the clear secret exists only in the returned response (DESIGN: secrets at
 * rest are hashes).
 */
async function registerClient(env: Env, metadata: ClientMetadata, now: number): Promise<ClientInformation> {
  const clientId = randomToken(24);
  const confidential = metadata.token_endpoint_auth_method !== "none";
  const secret = confidential ? randomToken(32) : null;
  const record: ClientRecord = {
    id: clientId,
    secretHash: secret === null ? null : await sha256b64url(secret),
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

/** RFC 7591 §3: this server requires an initial access token (the admin token); without one, registration is off. */
export const registrationAdmin = adminBearer({
  disabled: (c) =>
    c.get("config").adminToken
      ? null
      : new OAuthError("access_denied", "Client registration is disabled: ADMIN_TOKEN is not configured.", 403),
});

export const registerRoutes = new Hono<AppEnv>();

registerRoutes.post("/register", registrationAdmin.middleware, async function register(c) {
  const config = c.get("config");
  let body: unknown;
  try {
    body = await readJson(c);
  } catch (e) {
    // RFC 7591 §3.2.2: every rejected registration answers in its error format.
    if (e instanceof ApiError) throw new OAuthError("invalid_client_metadata", e.message, e.status);
    throw e;
  }
  const parsed = parseClientMetadata(body, { insecureDev: config.insecureDev });
  if (!parsed.ok) throw new OAuthError(parsed.error, parsed.description);

  const now = Date.now();
  const info = await registerClient(c.env, parsed.metadata, now);
  const detail = {
    via: "register",
    auth_method: info.token_endpoint_auth_method,
    grant_types: info.grant_types,
    first_party: info.first_party,
  };
  const actor = c.get("adminActor") ?? "admin:token";
  recordEvents(auditSink(c), { type: "client.registered", clientId: info.client_id, actor, detail }, now);
  console.log(
    JSON.stringify({
      event: "client_registered",
      clientId: info.client_id,
      authMethod: info.token_endpoint_auth_method,
    }),
  );
  // RFC 7591 §3.2.1: 201 Created with the client information; the secret is shown once, so never cached.
  return c.body(JSON.stringify(info), 201, { ...NO_STORE, "Content-Type": "application/json" });
});
