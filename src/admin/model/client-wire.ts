/** Clients on the admin API's wire: RFC 7591 metadata bodies, the client information reply, the stored view. */
import * as v from "valibot";
import type { ClientRow } from "../../db/clients";
import {
  CLIENT_AUTH_METHODS,
  GRANT_TYPES,
  ID_TOKEN_ALGS,
  RESPONSE_TYPES,
  TOKEN_ENDPOINT_AUTH_SIGNING_ALGS,
} from "../../oidc/capabilities";
import type { ClientMetadata } from "../../oidc/client-metadata";
import { nullableTimestamp, rfc3339, timestamp } from "../api/wire";

const uris = (what: string) => v.pipe(v.array(v.string()), v.description(what));

/** RFC 7517 §5 JWK Set; the key rules (public only, at most 10, types) are src/oidc/client-jwk-set.ts's. */
const jwkSet = v.pipe(
  v.object({ keys: v.array(v.record(v.string(), v.unknown())) }),
  v.description("RFC 7591 §2 jwks: the public keys of a private_key_jwt client"),
);
const jwksUri = v.pipe(
  v.string(),
  v.description("RFC 7591 §2 jwks_uri: where a private_key_jwt client publishes them"),
);
const connectionIds = v.pipe(
  v.array(v.string()),
  v.description(
    "Latchkey extension: the federation connections (ids) this client's users may sign in with; absent or null = every enabled one, [] = none",
  ),
);
const assertionAlg = v.pipe(
  v.picklist(TOKEN_ENDPOINT_AUTH_SIGNING_ALGS),
  v.description("OIDC Registration 1.0 §2: the alg of the client's JWT assertions"),
);

/**
 * RFC 7591 §2 metadata fields with their JSON types. The rules beyond types (redirect URI schemes, grant and
 * response type pairs, name characters) are src/oidc/client-metadata.ts's, applied to the whole metadata after this.
 */
const metadataFields = {
  redirect_uris: uris("RFC 7591 §2 redirection URIs"),
  post_logout_redirect_uris: uris("OIDC RP-Initiated Logout 1.0 §3.1"),
  token_endpoint_auth_method: v.picklist(CLIENT_AUTH_METHODS),
  grant_types: v.array(v.picklist(GRANT_TYPES)),
  response_types: v.array(v.picklist(RESPONSE_TYPES)),
  client_name: v.string(),
  logo_uri: v.string(),
  id_token_signed_response_alg: v.picklist(ID_TOKEN_ALGS),
  application_type: v.picklist(["web", "native"]),
  first_party: v.pipe(v.boolean(), v.description("Latchkey extension: skips the consent screen")),
  jwks: jwkSet,
  jwks_uri: jwksUri,
  token_endpoint_auth_signing_alg: assertionAlg,
  connections: connectionIds,
};
type Fields = typeof metadataFields;

/** The RFC 7591 metadata field names the API takes. */
export const METADATA_KEYS: ReadonlySet<string> = new Set(Object.keys(metadataFields));

function allOptional<N extends boolean>(nullable: N) {
  return Object.fromEntries(
    Object.entries(metadataFields).map(([key, schema]) => [key, v.optional(nullable ? v.nullable(schema) : schema)]),
  ) as {
    [K in keyof Fields]: v.OptionalSchema<
      N extends true ? v.NullableSchema<Fields[K], undefined> : Fields[K],
      undefined
    >;
  };
}

/**
 * POST /clients: RFC 7591 registration metadata; unknown fields are ignored (§2). redirect_uris is required of
 * clients that use the authorization endpoint, not of client_credentials ones (client-metadata.ts decides).
 */
export const createClientBody = v.looseObject(allOptional(false));

/** PATCH /clients/{id}: the fields to change; null removes an optional one (client_name, logo_uri, jwks, ...). */
export const updateClientBody = v.looseObject(allOptional(true));

const metadataShape = {
  redirect_uris: v.array(v.string()),
  token_endpoint_auth_method: v.picklist(CLIENT_AUTH_METHODS),
  grant_types: v.array(v.picklist(GRANT_TYPES)),
  response_types: v.array(v.picklist(RESPONSE_TYPES)),
  client_name: v.optional(v.string()),
  logo_uri: v.optional(v.string()),
  post_logout_redirect_uris: v.array(v.string()),
  id_token_signed_response_alg: v.picklist(ID_TOKEN_ALGS),
  application_type: v.picklist(["web", "native"]),
  first_party: v.boolean(),
  jwks: v.optional(jwkSet),
  jwks_uri: v.optional(jwksUri),
  token_endpoint_auth_signing_alg: v.optional(assertionAlg),
  connections: v.optional(connectionIds),
};

/** RFC 7591 §3.2.1 client information response: what POST /register and POST /admin/api/clients answer. */
export const clientInformationSchema = v.object({
  client_id: v.string(),
  client_secret: v.optional(v.pipe(v.string(), v.description("Shown once; only its SHA-256 is stored"))),
  client_id_issued_at: v.pipe(v.number(), v.integer(), v.description("RFC 7591: seconds since the epoch")),
  client_secret_expires_at: v.optional(v.pipe(v.number(), v.description("RFC 7591: 0 = does not expire"))),
  ...metadataShape,
});

/** A stored client: its metadata and when it was created, changed and last had its secret rotated. */
export const clientSchema = v.object({
  client_id: v.string(),
  client_id_issued_at: v.pipe(v.number(), v.integer(), v.description("RFC 7591: seconds since the epoch")),
  ...metadataShape,
  created_at: timestamp,
  updated_at: timestamp,
  previous_secret_expires_at: v.pipe(
    nullableTimestamp,
    v.description("Until when the secret replaced by the last rotation is still accepted"),
  ),
});
export type ClientWire = v.InferOutput<typeof clientSchema>;

/** POST /clients/{id}/rotate-secret. */
export const rotatedSecretSchema = v.object({
  client_id: v.string(),
  client_secret: v.pipe(v.string(), v.description("The new secret, shown once")),
  client_secret_expires_at: v.pipe(v.number(), v.description("RFC 7591: 0 = does not expire")),
  previous_secret_expires_at: v.pipe(timestamp, v.description("The old secret is refused from this time on")),
});

/** The RFC 7591 metadata a stored row holds (client_name only when one was given, not the id shown instead). */
export function metadataOfRow(row: ClientRow): ClientMetadata {
  const metadata: ClientMetadata = {
    redirect_uris: JSON.parse(row.redirectUris) as string[],
    token_endpoint_auth_method: row.tokenEndpointAuthMethod as ClientMetadata["token_endpoint_auth_method"],
    grant_types: JSON.parse(row.grantTypes) as ClientMetadata["grant_types"],
    response_types: JSON.parse(row.responseTypes) as ClientMetadata["response_types"],
    post_logout_redirect_uris: JSON.parse(row.postLogoutRedirectUris) as string[],
    id_token_signed_response_alg: row.idTokenSignedResponseAlg as ClientMetadata["id_token_signed_response_alg"],
    application_type: row.applicationType === "native" ? "native" : "web",
    first_party: row.firstParty,
  };
  if (row.name !== row.id) metadata.client_name = row.name;
  if (row.logoUri !== null) metadata.logo_uri = row.logoUri;
  if (row.jwks !== null) metadata.jwks = JSON.parse(row.jwks) as NonNullable<ClientMetadata["jwks"]>;
  if (row.jwksUri !== null) metadata.jwks_uri = row.jwksUri;
  if (row.tokenEndpointAuthSigningAlg !== null)
    metadata.token_endpoint_auth_signing_alg = row.tokenEndpointAuthSigningAlg as NonNullable<
      ClientMetadata["token_endpoint_auth_signing_alg"]
    >;
  if (row.connections !== null) metadata.connections = JSON.parse(row.connections) as string[];
  return metadata;
}

export function clientWire(row: ClientRow): ClientWire {
  return {
    client_id: row.id,
    client_id_issued_at: Math.floor(row.createdAt / 1000),
    ...metadataOfRow(row),
    created_at: rfc3339(row.createdAt),
    updated_at: rfc3339(row.updatedAt ?? row.createdAt),
    previous_secret_expires_at: rfc3339(row.previousSecretExpiresAt),
  };
}
