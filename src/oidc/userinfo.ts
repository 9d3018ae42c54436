/** The UserInfo endpoint (OIDC Core §5.3) with RFC 6750 bearer-token errors. */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-types";
import { BearerError } from "../errors";
import { liveAccessToken } from "./access-token-status";
import { verifyOwnJwt } from "./own-tokens";
import { parseScope } from "./scope";
import { readOAuthForm } from "./token";
import { scopedClaims } from "./token-claims";

export const userinfoRoutes = new Hono<AppEnv>();

/** The access token from the Authorization header or (POST) the form body — one of them only (RFC 6750 §2). */
async function presentedToken(c: Context<AppEnv>): Promise<string | null> {
  const header = c.req.header("authorization");
  let formToken: string | undefined;
  if (c.req.method === "POST" && (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
    try {
      formToken = (await readOAuthForm(c)).get("access_token");
    } catch {
      throw new BearerError("invalid_request", "the body could not be read", 400);
    }
  }
  if (header && formToken) throw new BearerError("invalid_request", "send the token one way only", 400); // RFC 6750 §2
  if (header) {
    const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    if (!m) throw new BearerError("invalid_request", "malformed Authorization header", 400);
    return m[1]!;
  }
  return formToken ?? null;
}

userinfoRoutes.on(["GET", "POST"], "/userinfo", async (c) => {
  const token = await presentedToken(c);
  // RFC 6750 §3.1: no token at all gets a bare challenge.
  if (!token) throw new BearerError(null);
  const config = c.get("config");
  const now = Date.now();
  // RFC 9068 §4: typ at+jwt, our issuer, our key, not expired, and addressed to us (not to another resource).
  const verified = await verifyOwnJwt(c.env, config, token, now, { typ: "at+jwt", audience: config.issuer });
  const claims = verified.ok ? verified.claims : null;
  if (!claims) throw new BearerError("invalid_token", "the access token is invalid or expired");
  const scope = parseScope(typeof claims.scope === "string" ? claims.scope : "");
  // OIDC Core §5.3: userinfo needs an access token with the openid scope.
  if (!scope.has("openid")) throw new BearerError("insufficient_scope", "the openid scope is required", 403);
  const live = await liveAccessToken(c.env, claims, now);
  if (live?.kind !== "user") throw new BearerError("invalid_token", "the access token was revoked");
  const user = live.user;
  return c.json(
    {
      sub: user.id,
      ...scopedClaims(scope, { email: user.email, email_verified: user.emailVerifiedAt !== null, name: user.name }),
    },
    200,
    { "Cache-Control": "no-store" },
  );
});
