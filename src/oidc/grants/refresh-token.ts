/** RFC 6749 §6 refresh_token: rotated on every use, reuse revokes the family (RFC 9700 §4.14.2), in the user's DO. */
import { auditSink, recordEvents } from "../../audit/record";
import { OAuthError } from "../../errors";
import { sha256b64url } from "../../lib/crypto";
import { REFRESH_TOKEN_TTL_S } from "../../lib/token-lifetimes";
import { newUserToken, splitUserToken } from "../../lib/user-token";
import { userObject } from "../../user/user-object";
import { refuseGrant } from "../grant-refusal";
import { issueTokens, prepareSigning, tokenIssued } from "../issue-tokens";
import { parseScope } from "../scope";
import type { Grant } from "./grant";
import { loadTarget, tokenTarget } from "./resource-target";

export const refreshTokenGrant: Grant = {
  type: "refresh_token",
  async handle(c, client, form) {
    const config = c.get("config");
    const now = Date.now();
    const presented = form.get("refresh_token");
    if (!presented) throw new OAuthError("invalid_request", "refresh_token is required");
    const parts = splitUserToken(presented);
    if (!parts) throw refuseGrant("refresh_token", "malformed", client.id);
    // RFC 6749 §6 / §5.2 invalid_scope: refuse what no grant can hold before the token is rotated (and so spent);
    // a scope outside the family's is refused by the object, before rotation too.
    const requested = form.get("scope");
    const narrowed = requested === undefined ? null : parseScope(requested);
    if (narrowed !== null && narrowed.size === 0) {
      throw new OAuthError("invalid_scope", "the requested scope exceeds the grant");
    }
    const loaded = await loadTarget(c, client, form);
    const next = newUserToken(parts.userId);
    await prepareSigning(c.env, config, client, now);
    // RFC 9700 §4.14.2: rotate on every use; reuse of a rotated token revokes the family (in the DO, atomically).
    // RFC 6749 §6: a narrower scope may be asked for, never a wider one; the DO refuses a wider one before rotating.
    const result = await userObject(c.env, parts.userId).rotateRefresh(
      await sha256b64url(parts.secret),
      await sha256b64url(next.secret),
      client.id,
      now + REFRESH_TOKEN_TTL_S * 1000,
      now,
      narrowed === null ? null : [...narrowed],
      loaded.target,
    );
    const sink = auditSink(c);
    if (!result.ok) {
      // RFC 9700 §4.14.2: a rotated token presented again revoked its family; recorded before the refusal (and
      // published as security.refresh_reuse).
      if (result.reason === "reused") {
        const detail = { family_revoked: true };
        recordEvents(
          sink,
          { type: "refresh.reused", userId: parts.userId, clientId: client.id, actor: "client", detail },
          now,
        );
      }
      if (result.reason === "scope_exceeded") {
        throw new OAuthError("invalid_scope", "the requested scope exceeds the grant");
      }
      // RFC 8707 §2.2: another resource than the family's, or one no longer served to the client (not rotated).
      if (result.reason === "target") throw new OAuthError("invalid_target", "resource is not the one authorized");
      // RFC 6749 §5.2: one fixed description for every refused refresh token; the reason goes to the log.
      throw refuseGrant("refresh_token", result.reason, client.id);
    }
    const g = result.grant;
    // Re-checked at every refresh: API scopes taken from the client since drop out of its tokens.
    const { audience, scope } = tokenTarget(loaded, g.resource, narrowed ?? parseScope(g.scope));
    const subject = {
      issuer: config.issuer,
      userId: parts.userId,
      clientId: client.id,
      scope,
      sid: g.sid,
      authTime: g.authTime,
      amr: g.amr,
      claims: g.claims,
      familyId: g.familyId,
    };
    const opts = { nonce: null, audience, refreshToken: next.token };
    const tokens = await issueTokens(c.env, config, client, subject, opts, now);
    recordEvents(sink, tokenIssued("refresh_token", subject, tokens), now);
    return tokens;
  },
};
