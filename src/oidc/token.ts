/** The token endpoint (RFC 6749 §3.2): authenticates the client, then dispatches to its grant (oidc/grants/). */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-types";
import { OAuthError } from "../errors";
import { readForm } from "../lib/body";
import { authenticateClient } from "./client-auth";
import { grantFor } from "./grants";

export const tokenRoutes = new Hono<AppEnv>();

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

export async function readOAuthForm(c: Context<AppEnv>): Promise<Map<string, string>> {
  return readForm(c, undefined, (message, code) =>
    code === "payload_too_large"
      ? new OAuthError("invalid_request", message, 413)
      : new OAuthError("invalid_request", message),
  );
}

tokenRoutes.post("/token", async (c) => {
  const form = await readOAuthForm(c);
  const client = await authenticateClient(c, form);
  const grantType = form.get("grant_type");
  if (!grantType) throw new OAuthError("invalid_request", "grant_type is required");
  // RFC 6749 §5.2 unsupported_grant_type: no grant by that name in the registry.
  const grant = grantFor(grantType);
  if (!grant) throw new OAuthError("unsupported_grant_type", `grant_type ${grantType} is not supported`);
  // RFC 6749 §5.2 unauthorized_client: the client is not registered for this grant.
  if (!client.grantTypes.includes(grant.type)) {
    throw new OAuthError("unauthorized_client", `this client may not use ${grant.type}`);
  }
  return c.json(await grant.handle(c, client, form), 200, NO_STORE);
});
