/** The demo relying party's registration: a public, first-party client using code + PKCE. */
import type { Config } from "../config";
import type { ClientRecord } from "../oidc/clients";

export const DEMO_CLIENT_ID = "latchkey-demo";

export function demoClient(config: Config): ClientRecord {
  return {
    id: DEMO_CLIENT_ID,
    secretHash: null,
    name: "Latchkey demo app",
    logoUri: null,
    redirectUris: [`${config.origin}/demo/callback`],
    postLogoutRedirectUris: [`${config.origin}/demo`],
    grantTypes: ["authorization_code", "refresh_token"],
    responseTypes: ["code"],
    tokenEndpointAuthMethod: "none",
    idTokenSignedResponseAlg: "ES256",
    firstParty: true,
    applicationType: "web",
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    jwks: null,
    jwksUri: null,
    tokenEndpointAuthSigningAlg: null,
    secretEnc: null,
    connections: null,
  };
}
