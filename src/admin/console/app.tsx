/**
 * The admin console under /admin: server-rendered pages loaded on first use (src/app.tsx), for signed-in users with
 * the "admin" role (access.tsx). Errors are the one HTML error page; problems from the admin model keep their status.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-types";
import { auditSink, recordEvents } from "../../audit/record";
import { formatError, formatNotFound } from "../../middleware/error-format";
import { adoptVariables } from "../../middleware/sub-app";
import { ErrorPage } from "../../ui/pages/error";
import { renderPage } from "../../ui/render";
import { Problem } from "../api/problem";
import { requireAdmin } from "./access";
import { consoleClientRoutes } from "./clients";
import { consoleConnectionRoutes } from "./connections";
import { consoleEventRoutes } from "./events";
import { consoleResourceRoutes } from "./resources";
import { consoleUserRoutes } from "./users";
import { consoleWebhookRoutes } from "./webhooks";

export const consoleApp = new Hono<AppEnv>().basePath("/admin");

consoleApp.use("*", adoptVariables);
consoleApp.use("*", requireAdmin());
// Every console form an admin submits is in the audit log with its actor, whatever its outcome (as the API's calls).
consoleApp.use("*", async function auditConsoleRequest(c, next) {
  await next();
  if (c.req.method !== "POST") return;
  recordEvents(auditSink(c), {
    type: "admin.request",
    outcome: c.res.status < 400 ? "success" : "failure",
    actor: c.get("adminActor") ?? null,
    detail: { method: c.req.method, path: c.req.path, status: c.res.status, via: "console" },
  });
});
consoleApp.get("/", (c) => c.redirect("/admin/users", 302));
consoleApp.route("/", consoleUserRoutes);
consoleApp.route("/", consoleClientRoutes);
consoleApp.route("/", consoleResourceRoutes);
consoleApp.route("/", consoleConnectionRoutes);
consoleApp.route("/", consoleWebhookRoutes);
consoleApp.route("/", consoleEventRoutes);

type PageStatus = Parameters<typeof renderPage>[2];

consoleApp.onError((err, c) => {
  if (err instanceof Problem && err.status < 500) {
    // The invalid fields' own words (RFC 9457 `errors`), so the person can correct the form or the address.
    const advice = err.errors?.map((e) => e.detail).join("; ");
    const link = { href: "/admin", label: "Back to the console" };
    const page = <ErrorPage title="That did not work" message={err.detail} advice={advice} link={link} />;
    return renderPage(c, page, err.status as PageStatus);
  }
  return formatError(c, err, "page");
});
consoleApp.notFound((c) => formatNotFound(c, "page"));
