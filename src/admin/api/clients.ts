/** Admin API: OAuth clients (RFC 7591 metadata) and their secret rotation; queries and rules: model/clients.ts. */
import * as v from "valibot";
import { auditSink } from "../../audit/record";
import {
  clientInformationSchema,
  clientSchema,
  createClientBody,
  rotatedSecretSchema,
  updateClientBody,
} from "../model/client-wire";
import {
  createClient,
  deleteClient,
  getClientWire,
  listClients,
  rotateClientSecret,
  updateClient,
} from "../model/clients";
import { operation } from "./operation";
import { pageQuery, pageRequest } from "./pagination";
import { Problem } from "./problem";
import { idParam, listOf } from "./wire";

const clientIdParams = v.object({ id: idParam });
/** A reply that holds a secret is never stored by a cache (RFC 7591 §3.2.1, RFC 9111 §5.2.2.5). */
const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

export const clientOperations = [
  operation({
    method: "get",
    path: "/clients",
    operationId: "listClients",
    summary: "List clients, newest first",
    tag: "clients",
    query: v.object({ ...pageQuery }),
    responses: { 200: { description: "A page of clients", schema: listOf(clientSchema) } },
    async handler(c, { query }) {
      return c.json(await listClients(c.env.DB, pageRequest(query)));
    },
  }),
  operation({
    method: "post",
    path: "/clients",
    operationId: "createClient",
    summary: "Register a client (RFC 7591); the reply is the one POST /register gives, secret shown once",
    tag: "clients",
    body: createClientBody,
    responses: { 201: { description: "RFC 7591 §3.2.1 client information", schema: clientInformationSchema } },
    async handler(c, { body }) {
      const info = await createClient(auditSink(c), c.get("adminActor") ?? "admin", body, {
        insecureDev: c.get("config").insecureDev,
      });
      return c.json(info, 201, NO_STORE);
    },
  }),
  operation({
    method: "get",
    path: "/clients/{id}",
    operationId: "getClient",
    summary: "One client",
    tag: "clients",
    params: clientIdParams,
    responses: { 200: { description: "The client (never its secret)", schema: clientSchema } },
    async handler(c, { params }) {
      const client = await getClientWire(c.env.DB, params.id);
      if (!client) throw new Problem(404, "not-found", "There is no client with this id.");
      return c.json(client);
    },
  }),
  operation({
    method: "patch",
    path: "/clients/{id}",
    operationId: "updateClient",
    summary: "Change RFC 7591 metadata fields; the result is validated as a registration is",
    tag: "clients",
    params: clientIdParams,
    body: updateClientBody,
    responses: { 200: { description: "The updated client", schema: clientSchema } },
    async handler(c, { params, body }) {
      const client = await updateClient(auditSink(c), c.get("adminActor") ?? "admin", params.id, body, {
        insecureDev: c.get("config").insecureDev,
      });
      return c.json(client);
    },
  }),
  operation({
    method: "delete",
    path: "/clients/{id}",
    operationId: "deleteClient",
    summary: "Delete a client; its refresh tokens and codes are refused from then on (invalid_client)",
    tag: "clients",
    params: clientIdParams,
    responses: { 204: { description: "Deleted" } },
    async handler(c, { params }) {
      await deleteClient(auditSink(c), c.get("adminActor") ?? "admin", params.id);
      return c.body(null, 204);
    },
  }),
  operation({
    method: "post",
    path: "/clients/{id}/rotate-secret",
    operationId: "rotateClientSecret",
    summary: "New secret, shown once; the old one is accepted for 24 hours more. Public clients: 409",
    tag: "clients",
    params: clientIdParams,
    responses: { 200: { description: "The new secret", schema: rotatedSecretSchema } },
    async handler(c, { params }) {
      return c.json(await rotateClientSecret(auditSink(c), c.get("adminActor") ?? "admin", params.id), 200, NO_STORE);
    },
  }),
];
