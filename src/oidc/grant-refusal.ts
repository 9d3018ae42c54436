/**
 * Refused grants at the token endpoint: why a code or refresh token failed (replayed, expired, another client's,
 * a PKCE or redirect_uri mismatch…) goes to the log as one structured line; the caller gets one fixed
 * `invalid_grant` description, so the answer is no oracle about the grant (RFC 6749 §5.2, RFC 9700 §4.5).
 */
import { OAuthError } from "../errors";
import type { GrantType } from "./capabilities";

/** RFC 6749 §5.2 invalid_grant, in the RFC's own words: the same text whatever the reason. */
export const INVALID_GRANT_DESCRIPTION =
  "the authorization grant or refresh token is invalid, expired, revoked, does not match the redirection URI, " +
  "or was issued to another " +
  "client";

export function refuseGrant(grantType: GrantType, reason: string, clientId: string, detail?: string): OAuthError {
  console.warn(JSON.stringify({ event: "grant_refused", grantType, reason, ...(detail ? { detail } : {}), clientId }));
  return new OAuthError("invalid_grant", INVALID_GRANT_DESCRIPTION);
}
