/** RFC 7591 dynamic client registration at registration_endpoint, authorized by the admin bearer token. */
import { Hono } from "hono";
import type { AppEnv } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import { ApiError, OAuthError } from "../errors";
import { readJson } from "../lib/body";
import { adminBearer } from "../middleware/admin-bearer";
import { parseClientMetadata } from "./client-metadata";
import { connectionsProblem, registerClient } from "./register-client";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

/** RFC 7591 §3: this server requires an initial access token (the admin token); without one, registration is off. */
export const registrationAdmin = adminBearer({
  disabled: (c) =>
    c.get("config").adminToken
      ? null
      : new OAuthError("access_denied", "Client registration is disabled: ADMIN_TOKEN is not configured.", 403),
});

export const registerRoutes = new Hono<AppEnv>();

registerRoutes.post("/register", registrationAdmin.middleware, async function register(c) {
  const config = c.get("config");
  let body: unknown;
  try {
    body = await readJson(c);
  } catch (e) {
    // RFC 7591 §3.2.2: every rejected registration answers in its error format.
    if (e instanceof ApiError) throw new OAuthError("invalid_client_metadata", e.message, e.status);
    throw e;
  }
  const parsed = parseClientMetadata(body, { insecureDev: config.insecureDev });
  if (!parsed.ok) throw new OAuthError(parsed.error, parsed.description);
  const unknown = await connectionsProblem(c.env.DB, parsed.metadata);
  if (unknown) throw new OAuthError("invalid_client_metadata", unknown);

  const info = await registerClient(c.env, parsed.metadata, Date.now());
  recordEvents(auditSink(c), {
    type: "client.registered",
    clientId: info.client_id,
    // The admin bearer in front of this route sets the actor; "anonymous" if registration is ever opened up.
    actor: c.get("adminActor") ?? "anonymous",
    detail: { token_endpoint_auth_method: info.token_endpoint_auth_method, via: "register" },
  });
  console.log(
    JSON.stringify({
      event: "client_registered",
      clientId: info.client_id,
      authMethod: info.token_endpoint_auth_method,
    }),
  );
  // RFC 7591 §3.2.1: 201 Created with the client information; the secret is shown once, so never cached.
  return c.body(JSON.stringify(info), 201, { ...NO_STORE, "Content-Type": "application/json" });
});
