/** Console routes for clients: list, register (as POST /register does), rotate a secret (shown once). */
import { Hono } from "hono";
import type { AppEnv } from "../../app-types";
import { auditSink } from "../../audit/record";
import { csrfToken } from "../../sessions/browser";
import { renderPage } from "../../ui/render";
import { pageRequest } from "../api/pagination";
import { createClient, listClients, rotateClientSecret } from "../model/clients";
import { ClientSecretPage, ClientsPage } from "./clients-page";
import { actorOf, consoleForm } from "./form";

export const consoleClientRoutes = new Hono<AppEnv>();

consoleClientRoutes.get("/clients", async (c) => {
  const page = await listClients(c.env.DB, pageRequest({ cursor: c.req.query("cursor") }));
  const next = page.next_cursor ? `/admin/clients?${new URLSearchParams({ cursor: page.next_cursor })}` : null;
  return renderPage(c, <ClientsPage csrf={await csrfToken(c)} clients={page.data} next={next} />);
});

consoleClientRoutes.post("/clients", async (c) => {
  const form = await consoleForm(c);
  // The form's fields as RFC 7591 metadata; the model validates them exactly as registration does.
  const metadata = {
    client_name: form.get("client_name") ?? "",
    redirect_uris: (form.get("redirect_uris") ?? "")
      .split(/\r?\n/)
      .map((uri) => uri.trim())
      .filter((uri) => uri !== ""),
    token_endpoint_auth_method: form.get("token_endpoint_auth_method") ?? "",
    // RFC 6749 §4.4: a machine client gets tokens for itself; an application sends people to /authorize.
    ...(form.get("kind") === "machine" ? { grant_types: ["client_credentials"] } : {}),
  };
  const info = await createClient(auditSink(c), actorOf(c), metadata, { insecureDev: c.get("config").insecureDev });
  const note = info.client_secret
    ? "Copy the secret now: it is shown only this once."
    : "A public client has no secret: it proves itself with PKCE.";
  return renderPage(
    c,
    <ClientSecretPage
      csrf={await csrfToken(c)}
      title="Client registered"
      clientId={info.client_id}
      secret={info.client_secret}
      note={note}
    />,
  );
});

consoleClientRoutes.post("/clients/:id/rotate-secret", async (c) => {
  await consoleForm(c);
  const rotated = await rotateClientSecret(auditSink(c), actorOf(c), c.req.param("id"));
  const until = `${rotated.previous_secret_expires_at.slice(0, 16).replace("T", " ")} UTC`;
  return renderPage(
    c,
    <ClientSecretPage
      csrf={await csrfToken(c)}
      title="Secret rotated"
      clientId={rotated.client_id}
      secret={rotated.client_secret}
      note={`Copy the new secret now: it is shown only this once. The old secret keeps working until ${until}.`}
    />,
  );
});
