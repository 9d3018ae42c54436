/** Console routes for APIs (resource servers) and clients' grants on them; the rules are the admin model's. */
import { Hono } from "hono";
import type * as v from "valibot";
import type { AppEnv } from "../../app-types";
import { auditSink } from "../../audit/record";
import { csrfToken } from "../../sessions/browser";
import { renderPage } from "../../ui/render";
import { pageRequest } from "../api/pagination";
import { listClientGrants, putClientGrant, removeClientGrant } from "../model/client-grants";
import {
  createResource,
  createResourceBody,
  deleteResource,
  getResource,
  listResources,
  updateResource,
  updateResourceBody,
} from "../model/resources";
import { actorOf, consoleForm, parsedForm } from "./form";
import { ClientGrantsPage, ResourcePage, ResourcesPage } from "./resources-page";

export const consoleResourceRoutes = new Hono<AppEnv>();

/** The form's fields as the API's body, validated by the same schema (its messages name the field). */
function fieldsOf<S extends v.GenericSchema>(schema: S, form: Map<string, string>, withIdentifier: boolean) {
  const ttl = (form.get("access_token_ttl_seconds") ?? "").trim();
  const body = {
    ...(withIdentifier ? { identifier: (form.get("identifier") ?? "").trim() } : {}),
    name: form.get("name") ?? "",
    scopes: (form.get("scopes") ?? "")
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .map((line) => {
        const space = line.search(/\s/);
        return space < 0
          ? { value: line, description: "" }
          : { value: line.slice(0, space), description: line.slice(space).trim() };
      }),
    access_token_ttl_seconds: ttl === "" ? null : /^\d{1,9}$/.test(ttl) ? Number(ttl) : Number.NaN,
  };
  return parsedForm(schema, body);
}

consoleResourceRoutes.get("/resources", async (c) => {
  const page = await listResources(c.env.DB, c.get("config"), pageRequest({ cursor: c.req.query("cursor") }));
  const next = page.next_cursor ? `/admin/resources?${new URLSearchParams({ cursor: page.next_cursor })}` : null;
  return renderPage(c, <ResourcesPage csrf={await csrfToken(c)} resources={page.data} next={next} />);
});

consoleResourceRoutes.post("/resources", async (c) => {
  const form = await consoleForm(c);
  const body = fieldsOf(createResourceBody, form, true);
  const created = await createResource(auditSink(c), actorOf(c), c.get("config"), body);
  return c.redirect(`/admin/resources/${encodeURIComponent(created.id)}?done=created`, 303);
});

consoleResourceRoutes.get("/resources/:id", async (c) => {
  const resource = await getResource(c.env.DB, c.get("config"), c.req.param("id"));
  const done = c.req.query("done");
  const notice = done === "created" ? "API added." : done === "saved" ? "Saved." : undefined;
  return renderPage(c, <ResourcePage csrf={await csrfToken(c)} resource={resource} notice={notice} />);
});

consoleResourceRoutes.post("/resources/:id", async (c) => {
  const form = await consoleForm(c);
  const id = c.req.param("id");
  await updateResource(auditSink(c), actorOf(c), id, fieldsOf(updateResourceBody, form, false));
  return c.redirect(`/admin/resources/${encodeURIComponent(id)}?done=saved`, 303);
});

consoleResourceRoutes.post("/resources/:id/delete", async (c) => {
  await consoleForm(c);
  await deleteResource(auditSink(c), actorOf(c), c.req.param("id"));
  return c.redirect("/admin/resources", 303);
});

consoleResourceRoutes.get("/clients/:id/grants", async (c) => {
  const clientId = c.req.param("id");
  const grants = await listClientGrants(c.env.DB, clientId);
  // Every resource on one page (the registry holds at most 500).
  const resources = await listResources(c.env.DB, c.get("config"), { limit: 501, after: null });
  const byResource = new Map(grants.map((g) => [g.resource_id, g.scopes] as const));
  const notice = c.req.query("done") === "saved" ? "Saved." : undefined;
  return renderPage(
    c,
    <ClientGrantsPage
      csrf={await csrfToken(c)}
      clientId={clientId}
      resources={resources.data}
      grants={byResource}
      notice={notice}
    />,
  );
});

consoleResourceRoutes.post("/clients/:id/grants/:resource", async (c) => {
  const form = await consoleForm(c);
  const clientId = c.req.param("id");
  // One checkbox per scope, each its own field (readForm refuses a repeated name).
  const scopes = [...form.entries()].filter(([k, v]) => k.startsWith("scope:") && v === "on").map(([k]) => k.slice(6));
  await putClientGrant(auditSink(c), actorOf(c), c.get("config"), clientId, c.req.param("resource"), scopes);
  return c.redirect(`/admin/clients/${encodeURIComponent(clientId)}/grants?done=saved`, 303);
});

consoleResourceRoutes.post("/clients/:id/grants/:resource/delete", async (c) => {
  await consoleForm(c);
  const clientId = c.req.param("id");
  await removeClientGrant(auditSink(c), actorOf(c), clientId, c.req.param("resource"));
  return c.redirect(`/admin/clients/${encodeURIComponent(clientId)}/grants?done=saved`, 303);
});
