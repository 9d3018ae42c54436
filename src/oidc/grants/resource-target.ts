/**
 * Reads, before a code or refresh token is spent, what RFC 8707 checks at /token need: the resource sent, and the
 * resources this client is served with its grants (isolate-cached, so a warm token request reads nothing).
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-types";
import type { ResourceTarget } from "../../user/types";
import type { ClientRecord } from "../clients";
import { clientGrants, listResources, type ResourceServer } from "../resource-registry";
import type { Scope } from "../scope";
import type { AccessTokenAudience } from "../token-claims";
import { audienceFor, authorizedResource, grantedScope, requestedResource, servedToClient } from "./audience";

export interface LoadedTarget {
  target: ResourceTarget;
  served: ResourceServer[];
  grants: ReadonlyMap<string, ReadonlySet<string>>;
}

export async function loadTarget(
  c: Context<AppEnv>,
  client: ClientRecord,
  form: Map<string, string>,
): Promise<LoadedTarget> {
  const config = c.get("config");
  const requested = requestedResource(form);
  const [resources, grants] = await Promise.all([listResources(c.env, config), clientGrants(c.env, client.id)]);
  const served = servedToClient(resources, grants);
  return { target: { requested, issuer: config.issuer, served: served.map((r) => r.identifier) }, served, grants };
}

/** The access token's audience and scope for a grant authorized for `resource` with `consented` scopes. */
export function tokenTarget(
  loaded: LoadedTarget,
  resource: string | null,
  consented: Scope,
): { audience: AccessTokenAudience; scope: Scope } {
  const server = authorizedResource(resource, loaded.served);
  const audience = audienceFor(server, loaded.target.issuer);
  return { audience, scope: server ? grantedScope(consented, loaded.grants.get(server.id)) : consented };
}
