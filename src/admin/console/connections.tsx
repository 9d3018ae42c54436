/** Console routes for federation connections: list, add, enable or disable, delete; the rules are the admin model's. */
import { Hono } from "hono";
import type { AppEnv } from "../../app-types";
import { auditSink } from "../../audit/record";
import { csrfToken } from "../../sessions/browser";
import { renderPage } from "../../ui/render";
import {
  createConnection,
  createConnectionBody,
  deleteConnection,
  listConnections,
  updateConnection,
} from "../model/connections";
import { ConnectionsPage } from "./connections-page";
import { actorOf, consoleForm, parsedForm } from "./form";

export const consoleConnectionRoutes = new Hono<AppEnv>();

/** An empty field is an absent one, so a preset's defaults apply. */
function optional(form: Map<string, string>, name: string): string | undefined {
  const value = (form.get(name) ?? "").trim();
  return value === "" ? undefined : value;
}

consoleConnectionRoutes.get("/connections", async (c) => {
  const { data } = await listConnections(c.env.DB);
  const done = c.req.query("done");
  const notice = done === "created" ? "Connection added." : done === "saved" ? "Saved." : undefined;
  return renderPage(c, <ConnectionsPage csrf={await csrfToken(c)} connections={data} notice={notice} />);
});

consoleConnectionRoutes.post("/connections", async (c) => {
  const form = await consoleForm(c);
  const scopes = optional(form, "scopes");
  const body = parsedForm(createConnectionBody, {
    id: (form.get("id") ?? "").trim(),
    display_name: form.get("display_name") ?? "",
    preset: optional(form, "preset") ?? null,
    issuer: optional(form, "issuer"),
    client_id: (form.get("client_id") ?? "").trim(),
    // A PEM key keeps its line breaks; a secret loses only the spaces around it.
    client_secret: optional(form, "client_secret"),
    scopes: scopes?.split(/\s+/),
    trust_email_verified: form.get("trust_email_verified") === "on",
    apple_team_id: optional(form, "apple_team_id") ?? null,
    apple_key_id: optional(form, "apple_key_id") ?? null,
  });
  await createConnection(auditSink(c), actorOf(c), c.get("config"), body);
  return c.redirect("/admin/connections?done=created", 303);
});

consoleConnectionRoutes.post("/connections/:id/enabled", async (c) => {
  const form = await consoleForm(c);
  const enabled = form.get("enabled") === "true";
  await updateConnection(auditSink(c), actorOf(c), c.get("config"), c.req.param("id"), { enabled });
  return c.redirect("/admin/connections?done=saved", 303);
});

consoleConnectionRoutes.post("/connections/:id/delete", async (c) => {
  await consoleForm(c);
  await deleteConnection(auditSink(c), actorOf(c), c.req.param("id"));
  return c.redirect("/admin/connections?done=saved", 303);
});
