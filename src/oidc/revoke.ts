/** Token revocation (RFC 7009) for refresh tokens (the whole family) and RFC 9068 access tokens. */
import { Hono } from "hono";
import type { AppEnv } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import { OAuthError } from "../errors";
import { sha256b64url } from "../lib/crypto";
import { splitUserToken } from "../lib/user-token";
import { clientObject, userObject } from "../user/user-object";
import { isClientToken } from "./access-token-status";
import { authenticateClient } from "./client-auth";
import { verifyOwnJwt } from "./own-tokens";
import { readOAuthForm } from "./token";

export const revokeRoutes = new Hono<AppEnv>();

revokeRoutes.post("/revoke", async (c) => {
  const form = await readOAuthForm(c);
  const client = await authenticateClient(c, form);
  const token = form.get("token");
  // RFC 7009 §2.1: token is required.
  if (!token) throw new OAuthError("invalid_request", "token is required");
  const now = Date.now();
  const asRefresh = splitUserToken(token);
  const sink = auditSink(c);
  if (asRefresh) {
    const hash = await sha256b64url(asRefresh.secret);
    if (await userObject(c.env, asRefresh.userId).revokeRefresh(hash, client.id, now)) {
      const detail = { token_type: "refresh_token", family_revoked: true };
      recordEvents(sink, { type: "token.revoked", userId: asRefresh.userId, clientId: client.id, detail }, now);
    }
  } else {
    const verified = await verifyOwnJwt(c.env, c.get("config"), token, now, { typ: "at+jwt" });
    const claims = verified.ok ? verified.claims : null;
    // RFC 7009 §2.1: only the client the token was issued to may revoke it.
    if (
      claims &&
      claims.client_id === client.id &&
      typeof claims.sub === "string" &&
      typeof claims.jti === "string" &&
      typeof claims.exp === "number"
    ) {
      // A client_credentials token is remembered as revoked in its client's object, a user's in the user's.
      const own = isClientToken(claims);
      const object = own ? clientObject(c.env, client.id) : userObject(c.env, claims.sub);
      await object.revokeAccessToken(claims.jti, claims.exp * 1000);
      const detail = { token_type: "access_token", jti: claims.jti };
      const who = own ? { userId: null, actor: "client" } : { userId: claims.sub };
      recordEvents(sink, { type: "token.revoked", ...who, clientId: client.id, detail }, now);
    }
  }
  // RFC 7009 §2.2: 200 whether or not the token was valid (invalid tokens do not cause an error).
  return c.body(null, 200, { "Cache-Control": "no-store" });
});
