/** RFC 6749 §4.1.3 authorization_code with RFC 7636 PKCE: the code is spent exactly once in the user's DO. */
import { auditSink, recordEvents } from "../../audit/record";
import { OAuthError } from "../../errors";
import { randomToken, sha256b64url } from "../../lib/crypto";
import { isCodeVerifier, s256Challenge } from "../../lib/pkce";
import { REFRESH_TOKEN_TTL_S } from "../../lib/token-lifetimes";
import { newUserToken, splitUserToken } from "../../lib/user-token";
import { userObject } from "../../user/user-object";
import { refuseGrant } from "../grant-refusal";
import { issueTokens, prepareSigning, tokenIssued } from "../issue-tokens";
import { parseScope } from "../scope";
import type { Grant } from "./grant";
import { loadTarget, tokenTarget } from "./resource-target";

export const authorizationCodeGrant: Grant = {
  type: "authorization_code",
  async handle(c, client, form) {
    const config = c.get("config");
    const now = Date.now();
    const code = form.get("code");
    if (!code) throw new OAuthError("invalid_request", "code is required");
    const verifier = form.get("code_verifier");
    // RFC 7636 §4.1: 43-128 characters of the unreserved set.
    if (verifier !== undefined && !isCodeVerifier(verifier)) {
      throw refuseGrant("authorization_code", "verifier_malformed", client.id);
    }
    const parts = splitUserToken(code);
    if (!parts) throw refuseGrant("authorization_code", "malformed", client.id);

    // Keys and the resource registry are loaded before the code is spent, so a storage fault cannot burn a code
    // without answering.
    const loaded = await loadTarget(c, client, form);
    await prepareSigning(c.env, config, client, now);
    // The client gets a refresh token only when it is registered for that grant (RFC 6749 §1.5).
    const refresh = client.grantTypes.includes("refresh_token") ? newUserToken(parts.userId) : null;
    const familyId = randomToken(16);
    const redemption = {
      clientId: client.id,
      redirectUri: form.get("redirect_uri") ?? null,
      verifierChallenge: verifier === undefined ? null : await s256Challenge(verifier),
      target: loaded.target,
    };
    const result = await userObject(c.env, parts.userId).redeemCode(
      await sha256b64url(parts.secret),
      redemption,
      {
        familyId,
        refreshHash: refresh ? await sha256b64url(refresh.secret) : null,
        refreshExpiresAt: now + REFRESH_TOKEN_TTL_S * 1000,
        grantExpiresAt: now + REFRESH_TOKEN_TTL_S * 1000,
      },
      now,
    );
    const sink = auditSink(c);
    // RFC 6749 §4.1.2: a code used twice revoked the family its first use created; recorded before the refusal.
    if (!result.ok && result.reason === "replayed") {
      const detail = { family_revoked: true };
      recordEvents(
        sink,
        { type: "code.reused", userId: parts.userId, clientId: client.id, actor: "client", detail },
        now,
      );
    }
    // RFC 8707 §2.2: a resource other than the authorized one (the code is spent, as on every failed attempt).
    if (!result.ok && result.reason === "target") throw new OAuthError("invalid_target", result.detail);
    // RFC 6749 §5.2 invalid_grant for every code failure, with one fixed description; the reason goes to the log.
    if (!result.ok) throw refuseGrant("authorization_code", result.reason, client.id, result.detail);
    const g = result.grant;
    // The consented scopes, less API scopes no longer granted to the client (RFC 6749 §3.3: the issued scope).
    const { audience, scope } = tokenTarget(loaded, g.resource ?? null, parseScope(g.scope));
    const subject = {
      issuer: config.issuer,
      userId: g.userId,
      clientId: client.id,
      scope,
      sid: g.sid,
      authTime: g.authTime,
      amr: g.amr,
      claims: g.claims,
      familyId,
    };
    const opts = { nonce: g.nonce, audience, refreshToken: refresh?.token ?? null };
    const tokens = await issueTokens(c.env, config, client, subject, opts, now);
    recordEvents(sink, tokenIssued("authorization_code", subject, tokens), now);
    return tokens;
  },
};
