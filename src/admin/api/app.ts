/**
 * The admin API under /admin/api, loaded on first use (src/app.tsx): bearer authorization on every route,
 * operations declared once (operation.ts) and described by the OpenAPI document they generate, RFC 9457 errors.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-types";
import { auditSink, recordEvents } from "../../audit/record";
import { adminBearer, configuredAdminToken } from "../../middleware/admin-bearer";
import { adoptVariables } from "../../middleware/sub-app";
import { clientOperations } from "./clients";
import { connectionOperations } from "./connections";
import { eventOperations } from "./events";
import { insufficientScope, oauthAdminToken, requiredScope } from "./oauth-admin-token";
import { openApiDocument } from "./openapi";
import { mountOperations, type Operation } from "./operation";
import { Problem, problemResponse, toProblem } from "./problem";
import { resourceOperations } from "./resources";
import { userDeviceOperations } from "./user-devices";
import { userOperations } from "./users";
import { webhookOperations } from "./webhooks";

export const OPERATIONS: readonly Operation[] = [
  ...userOperations,
  ...userDeviceOperations,
  ...clientOperations,
  ...resourceOperations,
  ...eventOperations,
  ...webhookOperations,
  ...connectionOperations,
];

const bearer = adminBearer({ verifiers: [configuredAdminToken, oauthAdminToken] });

export const adminApiApp = new Hono<AppEnv>().basePath("/admin/api");

adminApiApp.use("*", adoptVariables);
// The document describes the API; it holds no data, so it is readable without a token.
let document: Record<string, unknown> | null = null;
adminApiApp.get("/openapi.json", (c) => {
  document ??= openApiDocument(OPERATIONS, c.get("config").issuer);
  return c.json(document);
});
adminApiApp.use("*", bearer.middleware);
// Every call that may change something is in the audit log with its actor, whatever its outcome.
adminApiApp.use("*", async function auditAdminRequest(c, next) {
  await next();
  if (c.req.method === "GET" || c.req.method === "HEAD") return;
  recordEvents(auditSink(c), {
    type: "admin.request",
    outcome: c.res.status < 400 ? "success" : "failure",
    actor: c.get("adminActor") ?? null,
    detail: { method: c.req.method, path: c.req.path, status: c.res.status },
  });
});
// An OAuth token reads with admin:read and changes things with admin:write; ADMIN_TOKEN has every right.
adminApiApp.use("*", async function requireAdminScope(c, next) {
  const scopes = c.get("adminScopes");
  const needed = requiredScope(c.req.method);
  if (scopes && !scopes.has(needed)) throw insufficientScope(needed);
  await next();
});
mountOperations(adminApiApp, OPERATIONS);

adminApiApp.onError((err) => problemResponse(toProblem(err)));
adminApiApp.notFound(() => problemResponse(new Problem(404, "not-found", "There is nothing at this address.")));
