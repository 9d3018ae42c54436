/**
 * The resource servers (APIs) tokens can be issued for, and the scopes each client is granted on them: read from D1
 * through short isolate caches (so a warm client_credentials request reads nothing), dropped on change.
 */
import type { Config, Env } from "../config";
import { listClientGrantRows, listResourceServerRows, type ResourceServerRow } from "../db/resources";
import { ACCESS_TOKEN_TTL_S, CLIENT_CACHE_TTL_S } from "../lib/token-lifetimes";

export interface ResourceScope {
  value: string;
  description: string;
}

export interface ResourceServer {
  id: string;
  /** RFC 8707 resource indicator: the `aud` of its access tokens. */
  identifier: string;
  name: string;
  scopes: ResourceScope[];
  accessTokenTtlS: number;
  /** Clients allowed to introspect its tokens (RFC 7662 §2.1). */
  introspectionClients: string[];
  /** The admin API: defined by code, not stored; it cannot be changed or deleted. */
  builtIn: boolean;
}

/** The built-in resource: the admin API accepts client_credentials tokens for it instead of ADMIN_TOKEN. */
export const ADMIN_RESOURCE_ID = "admin-api";
export const ADMIN_SCOPES: readonly ResourceScope[] = [
  { value: "admin:read", description: "Read users, clients, resources, events and webhooks" },
  { value: "admin:write", description: "Create, change and delete them" },
];

export function adminResource(config: Config): ResourceServer {
  return {
    id: ADMIN_RESOURCE_ID,
    identifier: `${config.issuer}/admin/api`,
    name: "Latchkey admin API",
    scopes: [...ADMIN_SCOPES],
    accessTokenTtlS: ACCESS_TOKEN_TTL_S,
    introspectionClients: [],
    builtIn: true,
  };
}

export function rowToResource(row: ResourceServerRow): ResourceServer {
  return {
    id: row.id,
    identifier: row.identifier,
    name: row.name,
    scopes: JSON.parse(row.scopes) as ResourceScope[],
    accessTokenTtlS: row.accessTokenTtlSeconds ?? ACCESS_TOKEN_TTL_S,
    introspectionClients: JSON.parse(row.introspectionClients) as string[],
    builtIn: false,
  };
}

let resourcesCache: { list: ResourceServer[]; at: number } | null = null;
const MAX_CACHED_GRANTS = 500;
const grantsCache = new Map<string, { grants: ReadonlyMap<string, ReadonlySet<string>>; at: number }>();

function fresh(at: number, now: number): boolean {
  return now - at >= 0 && now - at < CLIENT_CACHE_TTL_S * 1000;
}

/** After a resource changed in this isolate (other isolates see it within CLIENT_CACHE_TTL_S). */
export function forgetResources(): void {
  resourcesCache = null;
}

/** After a client's grants changed (or the client was deleted) in this isolate. */
export function forgetClientGrants(clientId: string): void {
  grantsCache.delete(clientId);
}

export function clearResourceCaches(): void {
  resourcesCache = null;
  grantsCache.clear();
}

/** Every resource: the built-in admin API first, then the stored ones by identifier. */
export async function listResources(env: Env, config: Config): Promise<ResourceServer[]> {
  const now = Date.now();
  if (!resourcesCache || !fresh(resourcesCache.at, now)) {
    const rows = await listResourceServerRows(env.DB);
    resourcesCache = { list: rows.map(rowToResource), at: now };
  }
  return [adminResource(config), ...resourcesCache.list];
}

export async function resourceByIdentifier(
  env: Env,
  config: Config,
  identifier: string,
): Promise<ResourceServer | null> {
  return (await listResources(env, config)).find((r) => r.identifier === identifier) ?? null;
}

/** The scopes `clientId` is granted, by resource id (empty when it has none). */
export async function clientGrants(env: Env, clientId: string): Promise<ReadonlyMap<string, ReadonlySet<string>>> {
  const now = Date.now();
  const hit = grantsCache.get(clientId);
  if (hit && fresh(hit.at, now)) return hit.grants;
  const rows = await listClientGrantRows(env.DB, clientId);
  const grants = new Map(rows.map((r) => [r.resourceId, new Set(JSON.parse(r.scopes) as string[])] as const));
  grantsCache.delete(clientId);
  if (grantsCache.size >= MAX_CACHED_GRANTS) {
    const oldest = grantsCache.keys().next();
    if (!oldest.done) grantsCache.delete(oldest.value);
  }
  grantsCache.set(clientId, { grants, at: now });
  return grants;
}
