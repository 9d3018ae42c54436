/**
 * RFC 6749 §4.4 client_credentials: a confidential client gets an RFC 9068 access token for one API it is granted,
 * with no refresh token (§4.4.3) and no ID token (no person signed in). Client, grants, resources and the signing
 * key all come from isolate caches, so a warm request reads nothing and signs one JWT.
 */
import { auditSink, recordEvents } from "../../audit/record";
import { OAuthError } from "../../errors";
import { randomToken } from "../../lib/crypto";
import { ACCESS_TOKEN_ALG } from "../capabilities";
import { signJwt } from "../own-tokens";
import { clientGrants, listResources, type ResourceServer } from "../resource-registry";
import { formatScope, parseScope, type Scope } from "../scope";
import { clientTokenClaims } from "../token-claims";
import { requestedResource } from "./audience";
import type { Grant } from "./grant";

interface MachineTarget {
  resource: ResourceServer;
  scope: Scope;
}

/**
 * The API and scopes of a client_credentials token (pure). `resource` picks the API (RFC 8707 §2); a client granted
 * exactly one may omit it. `scope` must be within the grant (RFC 6749 §3.3); without it the token has all of it.
 */
export function machineTarget(
  resources: readonly ResourceServer[],
  grants: ReadonlyMap<string, ReadonlySet<string>>,
  resource: string | null,
  scope: string | undefined,
): MachineTarget {
  const granted = resources.filter((r) => grants.has(r.id));
  let target: ResourceServer | undefined;
  if (resource === null) {
    // RFC 8707 §2: without a resource the server uses its default; for a client with several APIs there is none.
    if (granted.length !== 1) {
      const why = granted.length === 0 ? "no API is granted to this client" : "resource is required: name the API";
      throw new OAuthError("invalid_target", why);
    }
    target = granted[0];
  } else {
    // RFC 8707 §2 invalid_target: unknown, or not one this client may get tokens for.
    target = granted.find((r) => r.identifier === resource);
    if (!target) throw new OAuthError("invalid_target", "resource is not an API granted to this client");
  }
  const allowed = grants.get(target!.id) ?? new Set<string>();
  if (scope === undefined) return { resource: target!, scope: allowed };
  const requested = parseScope(scope);
  // RFC 6749 §5.2 invalid_scope: "exceeds the scope granted by the resource owner" (here: the client's grant).
  const outside = [...requested].filter((s) => !allowed.has(s));
  if (outside.length > 0) {
    throw new OAuthError("invalid_scope", `not granted to this client: ${outside.join(" ").slice(0, 200)}`);
  }
  return { resource: target!, scope: requested };
}

export const clientCredentialsGrant: Grant = {
  type: "client_credentials",
  async handle(c, client, form) {
    const config = c.get("config");
    const now = Date.now();
    const resource = requestedResource(form);
    const [resources, grants] = await Promise.all([listResources(c.env, config), clientGrants(c.env, client.id)]);
    const { resource: api, scope } = machineTarget(resources, grants, resource, form.get("scope"));
    const audience = { audience: api.identifier, ttlS: api.accessTokenTtlS };
    const jti = randomToken(16);
    const claims = clientTokenClaims(config.issuer, client.id, scope, audience, jti, now);
    const accessToken = await signJwt(c.env, config, ACCESS_TOKEN_ALG, "at+jwt", claims, now);
    const detail = { grant_type: "client_credentials", scope: formatScope(scope), resource: api.identifier, jti };
    recordEvents(auditSink(c), { type: "token.issued", clientId: client.id, actor: "client", detail }, now);
    // RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included."
    return { access_token: accessToken, token_type: "Bearer", expires_in: audience.ttlS, scope: formatScope(scope) };
  },
};
