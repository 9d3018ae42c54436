/** Admin API: upstream identity provider connections (federation). The client secret is write-only. */
import * as v from "valibot";
import { auditSink } from "../../audit/record";
import {
  connectionSchema,
  createConnection,
  createConnectionBody,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
  updateConnectionBody,
} from "../model/connections";
import { operation } from "./operation";
import { listOf } from "./wire";

const connectionParams = v.object({ id: v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,64}$/)) });

export const connectionOperations = [
  operation({
    method: "get",
    path: "/connections",
    operationId: "listConnections",
    summary: "List connections, oldest first (the order of the sign-in page's buttons); one page",
    tag: "connections",
    responses: { 200: { description: "Every connection", schema: listOf(connectionSchema) } },
    async handler(c) {
      return c.json(await listConnections(c.env.DB));
    },
  }),
  operation({
    method: "post",
    path: "/connections",
    operationId: "createConnection",
    summary: "Add an upstream identity provider: a preset (google, microsoft, apple, github) or any OpenID Provider",
    tag: "connections",
    body: createConnectionBody,
    responses: { 201: { description: "The connection", schema: connectionSchema } },
    async handler(c, { body }) {
      const actor = c.get("adminActor") ?? "admin";
      return c.json(await createConnection(auditSink(c), actor, c.get("config"), body), 201);
    },
  }),
  operation({
    method: "get",
    path: "/connections/{id}",
    operationId: "getConnection",
    summary: "One connection (its client secret is never returned)",
    tag: "connections",
    params: connectionParams,
    responses: { 200: { description: "The connection", schema: connectionSchema } },
    async handler(c, { params }) {
      return c.json(await getConnection(c.env.DB, params.id));
    },
  }),
  operation({
    method: "patch",
    path: "/connections/{id}",
    operationId: "updateConnection",
    summary: "Change a connection: its name, issuer, client, secret, scopes, trust in email_verified, enabled",
    tag: "connections",
    params: connectionParams,
    body: updateConnectionBody,
    responses: { 200: { description: "The connection", schema: connectionSchema } },
    async handler(c, { params, body }) {
      const actor = c.get("adminActor") ?? "admin";
      return c.json(await updateConnection(auditSink(c), actor, c.get("config"), params.id, body));
    },
  }),
  operation({
    method: "delete",
    path: "/connections/{id}",
    operationId: "deleteConnection",
    summary: "Delete a connection and every identity linked through it",
    tag: "connections",
    params: connectionParams,
    responses: { 204: { description: "Deleted" } },
    async handler(c, { params }) {
      await deleteConnection(auditSink(c), c.get("adminActor") ?? "admin", params.id);
      return c.body(null, 204);
    },
  }),
];
