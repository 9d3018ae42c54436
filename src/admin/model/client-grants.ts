/**
 * The scopes a client is granted per resource server (Auth0's "client grants"): read, set, removed, each change
 * audited and the client's cached grants dropped. A grant names only scopes its resource defines.
 */
import * as v from "valibot";
import { type AuditSink, recordEvents } from "../../audit/record";
import type { Config } from "../../config";
import { findClientRow } from "../../db/clients";
import {
  type ClientGrantRow,
  deleteClientGrant,
  findClientGrantRow,
  findResourceServerRow,
  listClientGrantRows,
  upsertClientGrant,
} from "../../db/resources";
import { ADMIN_RESOURCE_ID, adminResource, forgetClientGrants, rowToResource } from "../../oidc/resource-registry";
import { Problem } from "../api/problem";
import { rfc3339, timestamp } from "../api/wire";
import type { Actor } from "./clients";
import { MAX_RESOURCE_SCOPES } from "./resource-rules";

export const clientGrantSchema = v.object({
  client_id: v.string(),
  resource_id: v.string(),
  scopes: v.array(v.string()),
  created_at: timestamp,
  updated_at: timestamp,
});
export type ClientGrantWire = v.InferOutput<typeof clientGrantSchema>;

export const putClientGrantBody = v.strictObject({
  scopes: v.pipe(v.array(v.pipe(v.string(), v.maxLength(128))), v.maxLength(MAX_RESOURCE_SCOPES)),
});

function grantWire(row: ClientGrantRow): ClientGrantWire {
  return {
    client_id: row.clientId,
    resource_id: row.resourceId,
    scopes: JSON.parse(row.scopes) as string[],
    created_at: rfc3339(row.createdAt),
    updated_at: rfc3339(row.updatedAt),
  };
}

async function requireClient(d1: D1Database, clientId: string): Promise<void> {
  if (!(await findClientRow(d1, clientId))) throw new Problem(404, "not-found", "There is no client with this id.");
}

/** The scope values the resource defines (read from D1, not the isolate cache: an admin sees what is stored). */
async function resourceScopes(d1: D1Database, config: Config, resourceId: string): Promise<Set<string>> {
  const resource =
    resourceId === ADMIN_RESOURCE_ID
      ? adminResource(config)
      : await findResourceServerRow(d1, resourceId).then((row) => (row ? rowToResource(row) : null));
  if (!resource) throw new Problem(404, "not-found", "There is no resource with this id.");
  return new Set(resource.scopes.map((s) => s.value));
}

export async function listClientGrants(d1: D1Database, clientId: string): Promise<ClientGrantWire[]> {
  await requireClient(d1, clientId);
  return (await listClientGrantRows(d1, clientId)).map(grantWire);
}

export async function getClientGrant(d1: D1Database, clientId: string, resourceId: string): Promise<ClientGrantWire> {
  await requireClient(d1, clientId);
  const row = await findClientGrantRow(d1, clientId, resourceId);
  if (!row) throw new Problem(404, "not-found", "This client has no grant on this resource.");
  return grantWire(row);
}

export async function putClientGrant(
  sink: AuditSink,
  actor: Actor,
  config: Config,
  clientId: string,
  resourceId: string,
  scopes: string[],
  now = Date.now(),
): Promise<ClientGrantWire> {
  const d1 = sink.env.DB;
  await requireClient(d1, clientId);
  const defined = await resourceScopes(d1, config, resourceId);
  const unknown = scopes.map((s, i) => [s, i] as const).filter(([s]) => !defined.has(s));
  if (unknown.length > 0) {
    throw new Problem(
      422,
      "validation",
      "The body is invalid.",
      unknown.map(([s, i]) => ({ pointer: `/scopes/${i}`, detail: `the resource defines no scope ${s}` })),
    );
  }
  const unique = [...new Set(scopes)];
  const row = await upsertClientGrant(d1, clientId, resourceId, unique, now);
  forgetClientGrants(clientId);
  recordEvents(sink, {
    type: "client_grant.updated",
    clientId,
    actor,
    detail: { resource_id: resourceId, scopes: unique },
  });
  return grantWire(row);
}

export async function removeClientGrant(sink: AuditSink, actor: Actor, clientId: string, resourceId: string) {
  if (!(await deleteClientGrant(sink.env.DB, clientId, resourceId))) {
    throw new Problem(404, "not-found", "This client has no grant on this resource.");
  }
  forgetClientGrants(clientId);
  recordEvents(sink, { type: "client_grant.deleted", clientId, actor, detail: { resource_id: resourceId } });
}
