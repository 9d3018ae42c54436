/** Admin API: webhook endpoints (Standard Webhooks), their delivery attempts and a test message. */
import * as v from "valibot";
import { WEBHOOK_EVENT_TYPES } from "../../audit/event-types";
import {
  createdWebhookSchema,
  createWebhook,
  deleteWebhook,
  deliverySchema,
  getWebhook,
  listDeliveries,
  listWebhooks,
  sendTestEvent,
  updateWebhook,
  webhookSchema,
  webhookWire,
} from "../model/webhooks";
import { operation } from "./operation";
import { pageQuery, pageRequest } from "./pagination";
import { idParam, listOf } from "./wire";

const webhookIdParams = v.object({ id: idParam });
const url = v.pipe(v.string(), v.description("https URL of the receiver (http only on a localhost issuer)"));
const events = v.pipe(
  v.array(v.picklist(WEBHOOK_EVENT_TYPES)),
  v.minLength(1),
  v.maxLength(WEBHOOK_EVENT_TYPES.length),
);
const description = v.nullable(v.pipe(v.string(), v.maxLength(500)));

export const webhookOperations = [
  operation({
    method: "get",
    path: "/webhooks",
    operationId: "listWebhooks",
    summary: "List webhook endpoints, newest first",
    tag: "webhooks",
    query: v.object(pageQuery),
    responses: { 200: { description: "A page of endpoints", schema: listOf(webhookSchema) } },
    async handler(c, { query }) {
      const page = await listWebhooks(c.env.DB, pageRequest(query));
      return c.json({ data: page.rows.map(webhookWire), next_cursor: page.next_cursor });
    },
  }),
  operation({
    method: "post",
    path: "/webhooks",
    operationId: "createWebhook",
    summary: "Create a webhook endpoint; the answer holds its signing secret, shown only here",
    tag: "webhooks",
    body: v.strictObject({ url, events, description: v.optional(description) }),
    responses: { 201: { description: "The endpoint and its secret", schema: createdWebhookSchema } },
    async handler(c, { body }) {
      return c.json(await createWebhook(c.env, c.get("config"), body), 201);
    },
  }),
  operation({
    method: "get",
    path: "/webhooks/{id}",
    operationId: "getWebhook",
    summary: "One webhook endpoint",
    tag: "webhooks",
    params: webhookIdParams,
    responses: { 200: { description: "The endpoint", schema: webhookSchema } },
    async handler(c, { params }) {
      return c.json(webhookWire(await getWebhook(c.env.DB, params.id)));
    },
  }),
  operation({
    method: "patch",
    path: "/webhooks/{id}",
    operationId: "updateWebhook",
    summary: "Change an endpoint; status active resets a failing one",
    tag: "webhooks",
    params: webhookIdParams,
    body: v.strictObject({
      url: v.optional(url),
      events: v.optional(events),
      description: v.optional(description),
      status: v.optional(v.picklist(["active"])),
    }),
    responses: { 200: { description: "The endpoint", schema: webhookSchema } },
    async handler(c, { params, body }) {
      return c.json(webhookWire(await updateWebhook(c.env, c.get("config"), params.id, body)));
    },
  }),
  operation({
    method: "delete",
    path: "/webhooks/{id}",
    operationId: "deleteWebhook",
    summary: "Delete an endpoint and its delivery records",
    tag: "webhooks",
    params: webhookIdParams,
    responses: { 204: { description: "Deleted" } },
    async handler(c, { params }) {
      await deleteWebhook(c.env.DB, params.id);
      return c.body(null, 204);
    },
  }),
  operation({
    method: "get",
    path: "/webhooks/{id}/deliveries",
    operationId: "listWebhookDeliveries",
    summary: "Delivery attempts to an endpoint, newest first",
    tag: "webhooks",
    params: webhookIdParams,
    query: v.object(pageQuery),
    responses: { 200: { description: "A page of attempts", schema: listOf(deliverySchema) } },
    async handler(c, { params, query }) {
      return c.json(await listDeliveries(c.env.DB, params.id, pageRequest(query)));
    },
  }),
  operation({
    method: "post",
    path: "/webhooks/{id}/test",
    operationId: "sendWebhookTest",
    summary: "Queue a webhook.test message to the endpoint",
    tag: "webhooks",
    params: webhookIdParams,
    responses: {
      202: { description: "Queued", schema: v.object({ message_id: v.string() }) },
    },
    async handler(c, { params }) {
      return c.json(await sendTestEvent(c.env, params.id), 202);
    },
  }),
];
