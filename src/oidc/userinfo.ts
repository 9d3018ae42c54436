/** The UserInfo endpoint (OIDC Core §5.3) with RFC 6750 bearer-token errors. */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-types";
import { findUserById } from "../db/users";
import { userObject } from "../sessions/user-object";
import { verifyOwnJwt } from "./own-tokens";
import { readOAuthForm } from "./token";
import { scopedClaims } from "./token-claims";

export const userinfoRoutes = new Hono<AppEnv>();

/** RFC 6750 §3: the challenge; no error code when no token was sent at all (§3.1). */
function bearerError(status: 400 | 401 | 403, error: string | null, description?: string): Response {
  const parts = ['Bearer realm="latchkey"'];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description}"`);
  const body = error ? JSON.stringify({ error, ...(description ? { error_description: description } : {}) }) : "";
  return new Response(body || null, {
    status,
    headers: { "WWW-Authenticate": parts.join(", "), "Cache-Control": "no-store", ...(body ? { "Content-Type": "application/json" } : {}) },
  });
}

async function presentedToken(c: Context<AppEnv>): Promise<{ token: string | null; error?: Response }> {
  const header = c.req.header("authorization");
  let formToken: string | undefined;
  if (c.req.method === "POST" && (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
    try {
      formToken = (await readOAuthForm(c)).get("access_token");
    } catch {
      return { token: null, error: bearerError(400, "invalid_request", "the body could not be read") };
    }
  }
  if (header && formToken) return { token: null, error: bearerError(400, "invalid_request", "send the token one way only") }; // RFC 6750 §2
  if (header) {
    const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    if (!m) return { token: null, error: bearerError(400, "invalid_request", "malformed Authorization header") };
    return { token: m[1]! };
  }
  return { token: formToken ?? null };
}

userinfoRoutes.on(["GET", "POST"], "/userinfo", async (c) => {
  const { token, error } = await presentedToken(c);
  if (error) return error;
  if (!token) return bearerError(401, null);
  const config = c.get("config");
  const now = Date.now();
  // RFC 9068 §4: typ at+jwt, our issuer, our key, not expired, and addressed to us (not to another resource).
  const claims = await verifyOwnJwt(c.env, config, token, now, { typ: "at+jwt", audience: config.issuer });
  if (!claims || typeof claims.sub !== "string" || typeof claims.jti !== "string" || typeof claims.gid !== "string") {
    return bearerError(401, "invalid_token", "the access token is invalid or expired");
  }
  const scope = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
  // OIDC Core §5.3: userinfo needs an access token with the openid scope.
  if (!scope.includes("openid")) return bearerError(403, "insufficient_scope", "the openid scope is required");
  if (!(await userObject(c.env, claims.sub).isAccessTokenActive(claims.jti, claims.gid, now))) {
    return bearerError(401, "invalid_token", "the access token was revoked");
  }
  const user = await findUserById(c.env.DB, claims.sub);
  if (!user) return bearerError(401, "invalid_token", "the user no longer exists");
  return c.json(
    { sub: user.id, ...scopedClaims(scope, { email: user.email, email_verified: user.emailVerifiedAt !== null, name: user.name }) },
    200,
    { "Cache-Control": "no-store" },
  );
});
