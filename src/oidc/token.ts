/** The token endpoint (RFC 6749 §3.2): authorization_code (with PKCE) and refresh_token grants; one DO call each. */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-types";
import type { Config } from "../config";
import { OAuthError } from "../errors";
import { readForm } from "../lib/body";
import { randomToken, sha256b64url } from "../lib/crypto";
import { userObject } from "../user/user-object";
import { SUPPORTED_SCOPES } from "./authorize-request";
import { authenticateClient } from "./client-auth";
import type { ClientRecord } from "./clients";
import { refuseGrant } from "./grant-refusal";
import { splitUserToken } from "./issue-code";
import { issueTokens, prepareSigning } from "./issue-tokens";
import { REFRESH_TOKEN_TTL_S } from "./token-lifetimes";

export const tokenRoutes = new Hono<AppEnv>();

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

export async function readOAuthForm(c: Context<AppEnv>): Promise<Map<string, string>> {
  return readForm(c, undefined, (message, code) =>
    code === "payload_too_large" ? new OAuthError("invalid_request", message, 413) : new OAuthError("invalid_request", message),
  );
}

tokenRoutes.post("/token", async (c) => {
  const form = await readOAuthForm(c);
  const client = await authenticateClient(c, form);
  const grantType = form.get("grant_type");
  if (!grantType) throw new OAuthError("invalid_request", "grant_type is required");
  if (grantType !== "authorization_code" && grantType !== "refresh_token") throw new OAuthError("unsupported_grant_type", `grant_type ${grantType} is not supported`);
  // RFC 6749 §5.2 unauthorized_client: the client is not registered for this grant.
  if (!client.grantTypes.includes(grantType)) throw new OAuthError("unauthorized_client", `this client may not use ${grantType}`);
  const body = grantType === "authorization_code" ? await authorizationCodeGrant(c, client, form) : await refreshTokenGrant(c, client, form);
  return c.json(body, 200, NO_STORE);
});

/** RFC 8707 resource indicator → access token audience; the issuer when absent. */
function audienceOf(form: Map<string, string>, config: Config): string {
  const resource = form.get("resource");
  if (resource === undefined) return config.issuer;
  // RFC 8707 §2: an absolute URI without a fragment, and one this deployment serves (RESOURCES) —
  // otherwise any client could mint tokens addressed to any API.
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new OAuthError("invalid_target", "resource must be an absolute URI");
  }
  if (url.hash) throw new OAuthError("invalid_target", "resource must not have a fragment");
  if (resource !== config.issuer && !config.resources.includes(resource)) throw new OAuthError("invalid_target", "this resource is not served here");
  return resource;
}

function wantsRefresh(client: ClientRecord): boolean {
  return client.grantTypes.includes("refresh_token");
}

async function authorizationCodeGrant(c: Context<AppEnv>, client: ClientRecord, form: Map<string, string>) {
  const config = c.get("config");
  const now = Date.now();
  const code = form.get("code");
  if (!code) throw new OAuthError("invalid_request", "code is required");
  const verifier = form.get("code_verifier");
  // RFC 7636 §4.1: 43-128 characters of the unreserved set.
  if (verifier !== undefined && !VERIFIER.test(verifier)) throw refuseGrant("authorization_code", "verifier_malformed", client.id);
  const audience = audienceOf(form, config);
  const parts = splitUserToken(code);
  if (!parts) throw refuseGrant("authorization_code", "malformed", client.id);

  // Keys are loaded before the code is spent, so a storage fault cannot burn a code without answering.
  await prepareSigning(c.env, config, client, now);
  const refreshToken = wantsRefresh(client) ? `${parts.userId}.${randomToken(32)}` : null;
  const familyId = randomToken(16);
  const result = await userObject(c.env, parts.userId).redeemCode(
    await sha256b64url(parts.secret),
    { clientId: client.id, redirectUri: form.get("redirect_uri") ?? null, verifierChallenge: verifier === undefined ? null : await sha256b64url(verifier) },
    {
      familyId,
      refreshHash: refreshToken ? await sha256b64url(refreshToken.slice(parts.userId.length + 1)) : null,
      refreshExpiresAt: now + REFRESH_TOKEN_TTL_S * 1000,
      grantExpiresAt: now + REFRESH_TOKEN_TTL_S * 1000,
    },
    now,
  );
  // RFC 6749 §5.2 invalid_grant for every code failure, with one fixed description; the reason goes to the log.
  if (!result.ok) throw refuseGrant("authorization_code", result.reason, client.id, result.detail);
  const g = result.grant;
  return issueTokens(
    c.env,
    config,
    client,
    { issuer: config.issuer, userId: g.userId, clientId: client.id, scope: g.scope.split(" "), sid: g.sid, authTime: g.authTime, amr: g.amr, claims: g.claims, familyId },
    { nonce: g.nonce, audience, refreshToken },
    now,
  );
}

async function refreshTokenGrant(c: Context<AppEnv>, client: ClientRecord, form: Map<string, string>) {
  const config = c.get("config");
  const now = Date.now();
  const presented = form.get("refresh_token");
  if (!presented) throw new OAuthError("invalid_request", "refresh_token is required");
  const parts = splitUserToken(presented);
  if (!parts) throw refuseGrant("refresh_token", "malformed", client.id);
  const audience = audienceOf(form, config);
  // RFC 6749 §6 / §5.2 invalid_scope: refuse what no grant can hold before the token is rotated (and so spent).
  const requested = form.get("scope");
  const narrowed = requested === undefined ? null : [...new Set(requested.split(" ").filter(Boolean))];
  if (narrowed !== null && (narrowed.length === 0 || narrowed.some((s) => !(SUPPORTED_SCOPES as readonly string[]).includes(s)))) {
    throw new OAuthError("invalid_scope", "the requested scope exceeds the grant");
  }
  const nextSecret = randomToken(32);
  await prepareSigning(c.env, config, client, now);
  // RFC 9700 §4.14.2: rotate on every use; reuse of a rotated token revokes the family (in the DO, atomically).
  const result = await userObject(c.env, parts.userId).rotateRefresh(await sha256b64url(parts.secret), await sha256b64url(nextSecret), client.id, now + REFRESH_TOKEN_TTL_S * 1000, now, narrowed);
  if (!result.ok) {
    if (result.reason === "scope_exceeded") throw new OAuthError("invalid_scope", "the requested scope exceeds the grant");
    // RFC 6749 §5.2: one fixed description for every refused refresh token; the reason goes to the log.
    throw refuseGrant("refresh_token", result.reason, client.id);
  }
  const g = result.grant;
  let scope = g.scope.split(" ");
  if (narrowed !== null) {
    // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
    if (narrowed.some((s) => !scope.includes(s))) throw new OAuthError("invalid_scope", "the requested scope exceeds the grant");
    scope = narrowed;
  }
  return issueTokens(
    c.env,
    config,
    client,
    { issuer: config.issuer, userId: parts.userId, clientId: client.id, scope, sid: g.sid, authTime: g.authTime, amr: g.amr, claims: g.claims, familyId: g.familyId },
    { nonce: null, audience, refreshToken: `${parts.userId}.${nextSecret}` },
    now,
  );
}
