/**
 * The grant type registry: /token looks the grant up here. A new grant is one new module and
 * one entry below (and its name in capabilities.ts GRANT_TYPES); no other grant changes.
 */
import { GRANT_TYPES, type GrantType, isOneOf } from "../capabilities";
import { authorizationCodeGrant } from "./authorization-code";
import { clientCredentialsGrant } from "./client-credentials";
import type { Grant } from "./grant";
import { refreshTokenGrant } from "./refresh-token";

const GRANTS: Readonly<Record<GrantType, Grant>> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

/** The grant for a grant_type value, or null when this provider has none by that name. */
export function grantFor(grantType: string): Grant | null {
  return isOneOf(GRANT_TYPES, grantType) ? GRANTS[grantType] : null;
}
