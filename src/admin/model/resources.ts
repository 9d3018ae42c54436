/**
 * Resource servers (APIs) as the admin API and console manage them: list (the built-in admin API first), read,
 * create, update and delete, every change audited and the isolate's registry cache dropped. Definitions are checked
 * by resource-rules.ts; removing a scope or the resource takes it out of every client grant in the same D1 batch.
 */
import * as v from "valibot";
import { type AuditSink, recordEvents } from "../../audit/record";
import type { Config } from "../../config";
import {
  countResourceServers,
  deleteResourceServer,
  findResourceServerRow,
  insertResourceServer,
  listResourceServerPage,
  MAX_RESOURCE_SERVERS,
  type ResourceServerRow,
  unknownClientIds,
  updateResourceServer,
} from "../../db/resources";
import { randomToken } from "../../lib/crypto";
import { MAX_RESOURCE_ACCESS_TOKEN_TTL_S } from "../../lib/token-lifetimes";
import {
  ADMIN_RESOURCE_ID,
  adminResource,
  clearResourceCaches,
  forgetResources,
  type ResourceServer,
  rowToResource,
} from "../../oidc/resource-registry";
import { type PageRequest, pageOf } from "../api/pagination";
import { type InvalidField, Problem } from "../api/problem";
import { nullableTimestamp, rfc3339 } from "../api/wire";
import type { Actor } from "./clients";
import {
  identifierProblem,
  MAX_IDENTIFIER_LENGTH,
  MAX_INTROSPECTION_CLIENTS,
  MAX_RESOURCE_SCOPES,
  MAX_SCOPE_DESCRIPTION,
  scopeProblems,
} from "./resource-rules";

const scopeSchema = v.object({ value: v.string(), description: v.string() });

export const resourceSchema = v.object({
  id: v.string(),
  identifier: v.pipe(v.string(), v.description("RFC 8707 resource indicator: the `aud` of its access tokens")),
  name: v.string(),
  scopes: v.array(scopeSchema),
  access_token_ttl_seconds: v.pipe(v.number(), v.description("Lifetime of its access tokens")),
  introspection_clients: v.pipe(v.array(v.string()), v.description("Clients that may introspect its tokens")),
  built_in: v.pipe(v.boolean(), v.description("The admin API: listed and readable, never changed or deleted")),
  created_at: nullableTimestamp,
  updated_at: nullableTimestamp,
});
export type ResourceWire = v.InferOutput<typeof resourceSchema>;

const name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200));
const scopes = v.pipe(
  v.array(
    v.strictObject({
      value: v.string(),
      description: v.pipe(v.string(), v.maxLength(MAX_SCOPE_DESCRIPTION)),
    }),
  ),
  v.maxLength(MAX_RESOURCE_SCOPES),
);
const ttl = v.nullable(
  v.pipe(
    v.number(),
    v.integer(),
    v.minValue(60),
    v.maxValue(MAX_RESOURCE_ACCESS_TOKEN_TTL_S),
    v.description("Seconds; null: the default (300)"),
  ),
);
const introspectionClients = v.pipe(
  v.array(v.pipe(v.string(), v.maxLength(128))),
  v.maxLength(MAX_INTROSPECTION_CLIENTS),
);

export const createResourceBody = v.strictObject({
  identifier: v.pipe(v.string(), v.maxLength(MAX_IDENTIFIER_LENGTH)),
  name,
  scopes: v.optional(scopes),
  access_token_ttl_seconds: v.optional(ttl),
  introspection_clients: v.optional(introspectionClients),
});
export type CreateResource = v.InferOutput<typeof createResourceBody>;

/** The identifier is not among the fields: tokens and consents name it, so another identifier is another resource. */
export const updateResourceBody = v.strictObject({
  name: v.optional(name),
  scopes: v.optional(scopes),
  access_token_ttl_seconds: v.optional(ttl),
  introspection_clients: v.optional(introspectionClients),
});
export type UpdateResource = v.InferOutput<typeof updateResourceBody>;

function wireOf(r: ResourceServer, row: ResourceServerRow | null): ResourceWire {
  return {
    id: r.id,
    identifier: r.identifier,
    name: r.name,
    scopes: r.scopes,
    access_token_ttl_seconds: r.accessTokenTtlS,
    introspection_clients: r.introspectionClients,
    built_in: r.builtIn,
    created_at: row ? rfc3339(row.createdAt) : null,
    updated_at: row ? rfc3339(row.updatedAt) : null,
  };
}

function resourceWire(row: ResourceServerRow): ResourceWire {
  return wireOf(rowToResource(row), row);
}

function notFound(): Problem {
  return new Problem(404, "not-found", "There is no resource with this id.");
}

function builtInConflict(): Problem {
  return new Problem(409, "built-in", "The admin API resource is defined by Latchkey itself: it cannot be changed.");
}

function invalid(errors: InvalidField[]): Problem {
  return new Problem(422, "validation", "The body is invalid.", errors);
}

/** Newest first, the built-in admin API ahead of them all (its cursor key sorts before every stored row). */
export async function listResources(
  d1: D1Database,
  config: Config,
  page: PageRequest,
): Promise<{ data: ResourceWire[]; next_cursor: string | null }> {
  const rows = await listResourceServerPage(d1, page.after, page.limit + 1);
  const items: { wire: ResourceWire; key: number; id: string }[] = rows.map((row) => ({
    wire: resourceWire(row),
    key: row.createdAt,
    id: row.id,
  }));
  if (page.after === null) {
    items.unshift({ wire: wireOf(adminResource(config), null), key: Number.MAX_SAFE_INTEGER, id: ADMIN_RESOURCE_ID });
  }
  const out = pageOf(items, page.limit, (item) => ({ key: item.key, id: item.id }));
  return { data: out.rows.map((item) => item.wire), next_cursor: out.next_cursor };
}

export async function getResource(d1: D1Database, config: Config, id: string): Promise<ResourceWire> {
  if (id === ADMIN_RESOURCE_ID) return wireOf(adminResource(config), null);
  const row = await findResourceServerRow(d1, id);
  if (!row) throw notFound();
  return resourceWire(row);
}

async function checkIntrospectionClients(d1: D1Database, ids: readonly string[] | undefined): Promise<string[]> {
  const unique = [...new Set(ids ?? [])];
  const unknown = await unknownClientIds(d1, unique);
  if (unknown.length > 0) {
    // RFC 7662 §2.1: the clients allowed to introspect must be ones this server authenticates.
    throw invalid(
      unknown.map((id) => ({ pointer: `/introspection_clients/${ids!.indexOf(id)}`, detail: `no client ${id}` })),
    );
  }
  return unique;
}

export async function createResource(
  sink: AuditSink,
  actor: Actor,
  config: Config,
  body: CreateResource,
  now = Date.now(),
): Promise<ResourceWire> {
  const d1 = sink.env.DB;
  const identifierIssue = identifierProblem(body.identifier, config.issuer);
  const problems = [
    ...(identifierIssue ? [{ pointer: "/identifier", detail: identifierIssue }] : []),
    ...scopeProblems(body.scopes ?? []),
  ];
  if (problems.length > 0) throw invalid(problems);
  if (body.identifier === adminResource(config).identifier) {
    throw new Problem(409, "conflict", "The admin API already has this identifier.");
  }
  const introspection = await checkIntrospectionClients(d1, body.introspection_clients);
  if ((await countResourceServers(d1)) >= MAX_RESOURCE_SERVERS) {
    throw new Problem(409, "limit", `There are already ${MAX_RESOURCE_SERVERS} resources, the most Latchkey holds.`);
  }
  const row: ResourceServerRow = {
    id: `rs_${randomToken(12)}`,
    identifier: body.identifier,
    name: body.name,
    scopes: JSON.stringify(body.scopes ?? []),
    accessTokenTtlSeconds: body.access_token_ttl_seconds ?? null,
    introspectionClients: JSON.stringify(introspection),
    createdAt: now,
    updatedAt: now,
  };
  if (!(await insertResourceServer(d1, row))) {
    throw new Problem(409, "conflict", "Another resource has this identifier.");
  }
  forgetResources();
  recordEvents(sink, { type: "resource.created", actor, detail: { resource_id: row.id, identifier: row.identifier } });
  return resourceWire(row);
}

export async function updateResource(
  sink: AuditSink,
  actor: Actor,
  id: string,
  changes: UpdateResource,
  now = Date.now(),
): Promise<ResourceWire> {
  if (id === ADMIN_RESOURCE_ID) throw builtInConflict();
  const d1 = sink.env.DB;
  if (changes.scopes) {
    const problems = scopeProblems(changes.scopes);
    if (problems.length > 0) throw invalid(problems);
  }
  const introspection =
    changes.introspection_clients === undefined
      ? undefined
      : JSON.stringify(await checkIntrospectionClients(d1, changes.introspection_clients));
  const result = await updateResourceServer(
    d1,
    id,
    {
      name: changes.name,
      scopes: changes.scopes === undefined ? undefined : JSON.stringify(changes.scopes),
      accessTokenTtlSeconds: changes.access_token_ttl_seconds,
      introspectionClients: introspection,
    },
    now,
  );
  if (result === null) throw notFound();
  // Grants on it changed too when scopes went: every client's cached grants are dropped with the resources.
  if (changes.scopes === undefined) forgetResources();
  else clearResourceCaches();
  recordEvents(sink, { type: "resource.updated", actor, detail: { resource_id: id, fields: Object.keys(changes) } });
  return resourceWire(result);
}

export async function deleteResource(sink: AuditSink, actor: Actor, id: string): Promise<void> {
  if (id === ADMIN_RESOURCE_ID) throw builtInConflict();
  if (!(await deleteResourceServer(sink.env.DB, id))) throw notFound();
  // Its grants went with it; a cached grant on an id no longer listed serves nothing (grants/audience.ts).
  forgetResources();
  recordEvents(sink, { type: "resource.deleted", actor, detail: { resource_id: id } });
}
