/** The OpenAPI 3.1 document, generated from the operations' own schemas (src/admin/api/operation.ts). */

import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { ADMIN_SCOPES } from "../../oidc/resource-registry";
import { requiredScope } from "./oauth-admin-token";
import type { Operation } from "./operation";

type JsonSchema = Record<string, unknown>;

const PROBLEM_SCHEMA: JsonSchema = {
  type: "object",
  description: "RFC 9457 problem details",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: { type: "string", format: "uri" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    errors: {
      type: "array",
      description: "The invalid fields: a JSON Pointer into the body, or a parameter name",
      items: {
        type: "object",
        required: ["detail"],
        properties: { pointer: { type: "string" }, parameter: { type: "string" }, detail: { type: "string" } },
      },
    },
  },
};

const PROBLEM_RESPONSE = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

function jsonSchema(schema: v.GenericSchema): JsonSchema {
  const { $schema: _ignored, ...rest } = toJsonSchema(schema, {
    target: "draft-2020-12",
    errorMode: "ignore",
  }) as JsonSchema;
  return rest;
}

function parameters(schema: v.GenericSchema | undefined, where: "path" | "query"): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === "path" || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

export function openApiDocument(operations: readonly Operation[], issuer: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(op.responses)) {
      responses[status] = spec.schema
        ? {
            description: spec.description,
            content: { [spec.contentType ?? "application/json"]: { schema: jsonSchema(spec.schema) } },
          }
        : { description: spec.description };
    }
    responses["4XX"] = PROBLEM_RESPONSE("The request was refused (problem details)");
    responses["5XX"] = PROBLEM_RESPONSE("The server could not answer (problem details)");
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      parameters: [...parameters(op.params, "path"), ...parameters(op.query, "query")],
      ...(op.body
        ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(op.body) } } } }
        : {}),
      responses,
      // ADMIN_TOKEN, or a client_credentials token for the admin API with the scope this method needs.
      security: [{ bearer: [] }, { oauth2: [requiredScope(op.method.toUpperCase())] }],
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Latchkey admin API",
      version: "1",
      description:
        "Users, passkeys, sessions, clients and their grants, resource servers, audit events and webhooks. Errors are RFC 9457 problem details.",
    },
    servers: [{ url: `${issuer}/admin/api` }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" },
        oauth2: {
          type: "oauth2",
          description: `client_credentials for the resource ${issuer}/admin/api (RFC 8707)`,
          flows: {
            clientCredentials: {
              tokenUrl: `${issuer}/token`,
              scopes: Object.fromEntries(ADMIN_SCOPES.map((s) => [s.value, s.description])),
            },
          },
        },
      },
      schemas: { Problem: PROBLEM_SCHEMA },
    },
    paths,
  };
}
