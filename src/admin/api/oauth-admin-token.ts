/**
 * The admin API through OAuth: a client_credentials access token (RFC 9068) for the built-in admin API resource is
 * accepted instead of ADMIN_TOKEN. Its scopes are the ones it carries that the client is still granted; the actor
 * is `client:<client_id>`.
 */
import type { AdminPrincipal, AdminTokenVerifier } from "../../middleware/admin-bearer";
import { isClientToken, liveAccessToken } from "../../oidc/access-token-status";
import { verifyOwnJwt } from "../../oidc/own-tokens";
import { ADMIN_RESOURCE_ID, adminResource, clientGrants } from "../../oidc/resource-registry";
import { parseScope } from "../../oidc/scope";
import { Problem } from "./problem";

const READ_SCOPE = "admin:read";
const WRITE_SCOPE = "admin:write";

export const oauthAdminToken: AdminTokenVerifier = async function oauthAdminToken(token, c) {
  // A JWS compact serialization has three parts (RFC 7515 §7.1); ADMIN_TOKEN-like strings are not worth verifying.
  if (token.split(".").length !== 3) return null;
  const config = c.get("config");
  const now = Date.now();
  // RFC 9068 §4: typ at+jwt, our issuer and key, unexpired, and aud the admin API (not another resource).
  const verified = await verifyOwnJwt(c.env, config, token, now, {
    typ: "at+jwt",
    audience: adminResource(config).identifier,
  });
  if (!verified.ok || !isClientToken(verified.claims)) return null;
  const live = await liveAccessToken(c.env, verified.claims, now);
  if (live?.kind !== "client") return null;
  // Scopes taken from the client since the token was issued no longer count (isolate-cached grants).
  const granted = (await clientGrants(c.env, live.client.id)).get(ADMIN_RESOURCE_ID) ?? new Set<string>();
  const carried = parseScope(typeof verified.claims.scope === "string" ? verified.claims.scope : "");
  const scopes = new Set([...carried].filter((s) => granted.has(s)));
  return { actor: `client:${live.client.id}`, scopes } satisfies AdminPrincipal;
};

/** The scope a request needs: reads (GET, HEAD) admin:read, anything that may change something admin:write. */
export function requiredScope(method: string): string {
  return method === "GET" || method === "HEAD" ? READ_SCOPE : WRITE_SCOPE;
}

/** RFC 6750 §3.1 insufficient_scope, as problem details (403), naming the scope that was missing. */
export function insufficientScope(scope: string): Problem {
  return new Problem(403, "insufficient-scope", `This token does not carry the ${scope} scope.`, undefined, {
    "WWW-Authenticate": `Bearer realm="latchkey", error="insufficient_scope", scope="${scope}"`,
  });
}
