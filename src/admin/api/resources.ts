/** Admin API: resource servers (APIs, RFC 8707 resource indicators) and the scopes each client is granted on them. */
import * as v from "valibot";
import { auditSink } from "../../audit/record";
import {
  clientGrantSchema,
  getClientGrant,
  listClientGrants,
  putClientGrant,
  putClientGrantBody,
  removeClientGrant,
} from "../model/client-grants";
import {
  createResource,
  createResourceBody,
  deleteResource,
  getResource,
  listResources,
  resourceSchema,
  updateResource,
  updateResourceBody,
} from "../model/resources";
import { operation } from "./operation";
import { pageQuery, pageRequest } from "./pagination";
import { idParam, listOf } from "./wire";

const resourceIdParams = v.object({ id: idParam });
const grantParams = v.object({ id: idParam, resource_id: idParam });

export const resourceOperations = [
  operation({
    method: "get",
    path: "/resources",
    operationId: "listResources",
    summary: "List resource servers: the built-in admin API first, then the others newest first",
    tag: "resources",
    query: v.object(pageQuery),
    responses: { 200: { description: "A page of resources", schema: listOf(resourceSchema) } },
    async handler(c, { query }) {
      return c.json(await listResources(c.env.DB, c.get("config"), pageRequest(query)));
    },
  }),
  operation({
    method: "post",
    path: "/resources",
    operationId: "createResource",
    summary: "Register a resource server; its identifier (an https URI, unique) becomes its tokens' aud",
    tag: "resources",
    body: createResourceBody,
    responses: { 201: { description: "The resource", schema: resourceSchema } },
    async handler(c, { body }) {
      const actor = c.get("adminActor") ?? "admin";
      return c.json(await createResource(auditSink(c), actor, c.get("config"), body), 201);
    },
  }),
  operation({
    method: "get",
    path: "/resources/{id}",
    operationId: "getResource",
    summary: "One resource server",
    tag: "resources",
    params: resourceIdParams,
    responses: { 200: { description: "The resource", schema: resourceSchema } },
    async handler(c, { params }) {
      return c.json(await getResource(c.env.DB, c.get("config"), params.id));
    },
  }),
  operation({
    method: "patch",
    path: "/resources/{id}",
    operationId: "updateResource",
    summary: "Change name, scopes, token lifetime or introspecting clients; removed scopes leave every grant",
    tag: "resources",
    params: resourceIdParams,
    body: updateResourceBody,
    responses: { 200: { description: "The resource", schema: resourceSchema } },
    async handler(c, { params, body }) {
      return c.json(await updateResource(auditSink(c), c.get("adminActor") ?? "admin", params.id, body));
    },
  }),
  operation({
    method: "delete",
    path: "/resources/{id}",
    operationId: "deleteResource",
    summary: "Delete a resource server and every client grant on it",
    tag: "resources",
    params: resourceIdParams,
    responses: { 204: { description: "Deleted" } },
    async handler(c, { params }) {
      await deleteResource(auditSink(c), c.get("adminActor") ?? "admin", params.id);
      return c.body(null, 204);
    },
  }),
  operation({
    method: "get",
    path: "/clients/{id}/grants",
    operationId: "listClientGrants",
    summary: "The scopes a client is granted, per resource",
    tag: "clients",
    params: resourceIdParams,
    responses: { 200: { description: "Every grant of the client (one page)", schema: listOf(clientGrantSchema) } },
    async handler(c, { params }) {
      return c.json({ data: await listClientGrants(c.env.DB, params.id), next_cursor: null });
    },
  }),
  operation({
    method: "get",
    path: "/clients/{id}/grants/{resource_id}",
    operationId: "getClientGrant",
    summary: "The scopes a client is granted on one resource",
    tag: "clients",
    params: grantParams,
    responses: { 200: { description: "The grant", schema: clientGrantSchema } },
    async handler(c, { params }) {
      return c.json(await getClientGrant(c.env.DB, params.id, params.resource_id));
    },
  }),
  operation({
    method: "put",
    path: "/clients/{id}/grants/{resource_id}",
    operationId: "putClientGrant",
    summary: "Set the scopes a client is granted on a resource (each one the resource defines)",
    tag: "clients",
    params: grantParams,
    body: putClientGrantBody,
    responses: { 200: { description: "The grant", schema: clientGrantSchema } },
    async handler(c, { params, body }) {
      const actor = c.get("adminActor") ?? "admin";
      const sink = auditSink(c);
      return c.json(await putClientGrant(sink, actor, c.get("config"), params.id, params.resource_id, body.scopes));
    },
  }),
  operation({
    method: "delete",
    path: "/clients/{id}/grants/{resource_id}",
    operationId: "deleteClientGrant",
    summary: "Take away everything a client is granted on a resource",
    tag: "clients",
    params: grantParams,
    responses: { 204: { description: "Deleted" } },
    async handler(c, { params }) {
      await removeClientGrant(auditSink(c), c.get("adminActor") ?? "admin", params.id, params.resource_id);
      return c.body(null, 204);
    },
  }),
];
