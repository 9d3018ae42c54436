/**
 * Which grants and response types a client registers (pure, RFC 7591 §2 and §2.1): a redirect-based client
 * (authorization_code, optionally refresh_token) or a machine client (client_credentials, RFC 6749 §4.4).
 */

import type { TokenEndpointAuthMethod } from "./capabilities";
import { GRANT_TYPES, type GrantType, isOneOf, RESPONSE_TYPES, type ResponseType } from "./capabilities";

export interface GrantTypesMetadata {
  grant_types: GrantType[];
  response_types: ResponseType[];
}

export type GrantTypesResult =
  | { ok: true; metadata: GrantTypesMetadata }
  | { ok: false; field: "grant_types" | "response_types"; description: string };

/** Whether a client with these grants is sent to /authorize, and so needs redirect_uris. */
export function usesRedirects(grantTypes: readonly string[]): boolean {
  return grantTypes.includes("authorization_code");
}

/**
 * `grantTypes` / `responseTypes` are the values sent (undefined when absent). RFC 7591 §2: grant_types defaults to
 * ["authorization_code"] and response_types to ["code"]; a client without authorization_code has no response types.
 */
export function parseGrantTypes(
  grantTypes: readonly string[] | undefined,
  responseTypes: readonly string[] | undefined,
  method: TokenEndpointAuthMethod,
): GrantTypesResult {
  const grants = grantTypes ?? ["authorization_code"];
  for (const g of grants) {
    if (!isOneOf(GRANT_TYPES, g)) {
      const description = `grant_types: ${JSON.stringify(g.slice(0, 60))} is not supported (use ${GRANT_TYPES.join(", ")})`;
      return { ok: false, field: "grant_types", description };
    }
  }
  const typed = grants as GrantType[];
  // RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential clients."
  if (typed.includes("client_credentials") && method === "none") {
    const description = "client_credentials is only for confidential clients (token_endpoint_auth_method is none)";
    return { ok: false, field: "grant_types", description };
  }
  if (!usesRedirects(typed)) {
    // RFC 6749 §6: a refresh token comes from another grant; client_credentials issues none (§4.4.3).
    if (typed.includes("refresh_token")) {
      return { ok: false, field: "grant_types", description: 'refresh_token needs "authorization_code" as well' };
    }
    // RFC 7591 §2.1: no response type goes with client_credentials alone.
    if (responseTypes !== undefined && responseTypes.length > 0) {
      return {
        ok: false,
        field: "response_types",
        description: "response_types must be empty without authorization_code",
      };
    }
    return { ok: true, metadata: { grant_types: typed, response_types: [] } };
  }
  const responses = responseTypes ?? ["code"];
  // RFC 7591 §2.1: response_type "code" goes with grant_type "authorization_code"; only it is offered.
  if (responses.length !== 1 || !isOneOf(RESPONSE_TYPES, responses[0]!)) {
    return { ok: false, field: "response_types", description: 'response_types: only ["code"] is supported' };
  }
  return { ok: true, metadata: { grant_types: typed, response_types: ["code"] } };
}
