/**
 * Token introspection (RFC 7662). The caller authenticates as a confidential client (any method but none). An
 * access token is described to a client its resource server's registration allows to introspect (the token's own
 * client for userinfo tokens); a refresh token to the client it belongs to. Anything else, and every token that
 * is expired, revoked or not ours, answers `{"active": false}` alone (§2.2), whatever the reason.
 */
import { Hono } from "hono";
import type { JWTPayload } from "jose";
import type { AppEnv } from "../app-types";
import type { Config, Env } from "../config";
import { OAuthError } from "../errors";
import { sha256b64url } from "../lib/crypto";
import { splitUserToken } from "../lib/user-token";
import { userObject } from "../user/user-object";
import { liveAccessToken } from "./access-token-status";
import { authenticateClient } from "./client-auth";
import type { ClientRecord } from "./clients";
import { verifyOwnJwt } from "./own-tokens";
import { resourceByIdentifier } from "./resource-registry";
import { readOAuthForm } from "./token";

export const introspectRoutes = new Hono<AppEnv>();

const INACTIVE = { active: false } as const;
type Introspection = typeof INACTIVE | ({ active: true } & Record<string, unknown>);

/** Whether `client` may learn about an access token with these claims (RFC 7662 §4: only its resource server). */
async function mayIntrospect(env: Env, config: Config, client: ClientRecord, claims: JWTPayload): Promise<boolean> {
  if (typeof claims.aud !== "string") return false;
  // A token for userinfo (aud = the issuer) concerns no resource server: only the client it was issued to.
  if (claims.aud === config.issuer) return claims.client_id === client.id;
  const resource = await resourceByIdentifier(env, config, claims.aud);
  return resource?.introspectionClients.includes(client.id) ?? false;
}

async function introspectAccessToken(
  env: Env,
  config: Config,
  client: ClientRecord,
  token: string,
  now: number,
): Promise<Introspection> {
  // RFC 9068 §4: our key and issuer, typ at+jwt, not expired (a token that fails any of these is not active).
  const verified = await verifyOwnJwt(env, config, token, now, { typ: "at+jwt" });
  if (!verified.ok) return INACTIVE;
  const claims = verified.claims;
  if (!(await mayIntrospect(env, config, client, claims))) return INACTIVE;
  if (!(await liveAccessToken(env, claims, now))) return INACTIVE;
  const { iss, sub, aud, client_id, scope, exp, iat, jti, auth_time, acr, amr } = claims;
  return { active: true, token_type: "Bearer", iss, sub, aud, client_id, scope, exp, iat, jti, auth_time, acr, amr };
}

async function introspectRefreshToken(
  env: Env,
  config: Config,
  client: ClientRecord,
  parts: { userId: string; secret: string },
  now: number,
): Promise<Introspection> {
  const info = await userObject(env, parts.userId).refreshTokenInfo(await sha256b64url(parts.secret), now);
  // Refresh tokens are the business of the client they were issued to only (RFC 6749 §6 binds them to it).
  if (!info || info.clientId !== client.id) return INACTIVE;
  return {
    active: true,
    iss: config.issuer,
    sub: parts.userId,
    client_id: info.clientId,
    scope: info.scope,
    ...(info.resource !== null ? { aud: info.resource } : {}),
    iat: Math.floor(info.issuedAt / 1000),
    exp: Math.floor(info.expiresAt / 1000),
    auth_time: Math.floor(info.authTime / 1000),
  };
}

introspectRoutes.post("/introspect", async (c) => {
  const form = await readOAuthForm(c);
  const client = await authenticateClient(c, form);
  // RFC 7662 §2.1: the endpoint requires client authentication; a public client only names itself.
  if (client.tokenEndpointAuthMethod === "none") {
    throw new OAuthError("invalid_client", "Introspection needs an authenticated (confidential) client.");
  }
  const token = form.get("token");
  // RFC 7662 §2.1: token is required; token_type_hint is only a hint, and the token's own form decides here.
  if (!token) throw new OAuthError("invalid_request", "token is required");
  const config = c.get("config");
  const now = Date.now();
  const refresh = splitUserToken(token);
  const answer = refresh
    ? await introspectRefreshToken(c.env, config, client, refresh, now)
    : await introspectAccessToken(c.env, config, client, token, now);
  // RFC 7662 §2.2: a JSON object; "no-store" as for other responses carrying token data.
  return c.json(answer, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
});
