/**
 * Provider metadata: OIDC Discovery 1.0 §3 at /.well-known/openid-configuration, RFC 8414 §2 at
 * /.well-known/oauth-authorization-server.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-types";
import type { Config } from "../config";
import {
  ACR_VALUES,
  CLIENT_AUTH_METHODS,
  CODE_CHALLENGE_METHODS,
  GRANT_TYPES,
  ID_TOKEN_ALGS,
  PROMPTS,
  RESPONSE_MODES,
  RESPONSE_TYPES,
  SCOPES,
  TOKEN_ENDPOINT_AUTH_SIGNING_ALGS,
} from "./capabilities";

export type ProviderMetadata = Record<string, string | boolean | string[]>;

/** The metadata document for `config` (pure). */
export function providerMetadata(config: Config): ProviderMetadata {
  const issuer = config.issuer;
  return {
    // OIDC Discovery §3 / RFC 8414 §3.3: identical to the issuer that goes into every token's `iss`.
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks.json`,
    registration_endpoint: `${issuer}/register`,
    revocation_endpoint: `${issuer}/revoke`,
    end_session_endpoint: `${issuer}/logout`,
    scopes_supported: [...SCOPES],
    response_types_supported: [...RESPONSE_TYPES],
    response_modes_supported: [...RESPONSE_MODES],
    grant_types_supported: [...GRANT_TYPES],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [...ID_TOKEN_ALGS],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    // OIDC Discovery §3 / RFC 8414 §2: the algs a client assertion (RFC 7523) may be signed with; "none" never.
    token_endpoint_auth_signing_alg_values_supported: [...TOKEN_ENDPOINT_AUTH_SIGNING_ALGS],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_signing_alg_values_supported: [...TOKEN_ENDPOINT_AUTH_SIGNING_ALGS],
    // RFC 8414 §2 / RFC 7662: introspection takes the same methods except none (it needs an authenticated client).
    introspection_endpoint: `${issuer}/introspect`,
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS.filter((m) => m !== "none"),
    introspection_endpoint_auth_signing_alg_values_supported: [...TOKEN_ENDPOINT_AUTH_SIGNING_ALGS],
    // RFC 7636 §4.2: plain is not offered.
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
    // OIDC Core §2 / §3.1.2.1: the classes acr takes and acr_values is checked against, weakest first
    // (sessions/assurance.ts).
    acr_values_supported: [...ACR_VALUES],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "nonce",
      "amr",
      "acr",
      "azp",
      "sid",
      "at_hash",
      "email",
      "email_verified",
      "name",
    ],
    prompt_values_supported: [...PROMPTS],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    // RFC 9207 §3: `iss` is returned in every authorization response.
    authorization_response_iss_parameter_supported: true,
    ui_locales_supported: ["en"],
  };
}

const documents = new WeakMap<Config, string>();

function document(config: Config): string {
  let doc = documents.get(config);
  if (!doc) {
    doc = JSON.stringify(providerMetadata(config));
    documents.set(config, doc);
  }
  return doc;
}

/** Public, cacheable, readable cross-origin (browser-based relying parties fetch it). */
export const METADATA_HEADERS = {
  "Content-Type": "application/json; charset=utf-8",
  "Cache-Control": "public, max-age=300",
  "Access-Control-Allow-Origin": "*",
} as const;

export const discoveryRoutes = new Hono<AppEnv>();

discoveryRoutes.get("/.well-known/openid-configuration", function openidConfiguration(c) {
  return c.body(document(c.get("config")), 200, METADATA_HEADERS);
});

discoveryRoutes.get("/.well-known/oauth-authorization-server", function oauthAuthorizationServer(c) {
  return c.body(document(c.get("config")), 200, METADATA_HEADERS);
});
