/**
 * The pure checks at an authorization code's redemption (RFC 6749 §4.1.3, RFC 7636 §4.6); the record is in
 * user/types.ts.
 */

import { pkceMismatch } from "../lib/pkce";
import type { CodeGrant, CodeRedemptionRequest, ResourceTarget } from "./types";

export type CodeCheck = { ok: true } | { ok: false; detail: string; target?: true };

export function checkCodeRedemption(grant: CodeGrant, req: CodeRedemptionRequest): CodeCheck {
  // RFC 6749 §4.1.3: the code was issued to this authenticated client.
  if (grant.clientId !== req.clientId) return { ok: false, detail: "code was issued to another client" };
  // RFC 6749 §4.1.3: redirect_uri must be present and identical when it was in the authorization request;
  // when it was not, a value sent anyway must still be the one the code was delivered to.
  if (grant.redirectUriSent || req.redirectUri !== null) {
    if (req.redirectUri !== grant.redirectUri)
      return { ok: false, detail: "redirect_uri does not match the authorization request" };
  }
  // RFC 7636 §4.6 (and the PKCE downgrade of RFC 9700 §2.1.1), in oidc/pkce.ts.
  const pkce = pkceMismatch(grant.codeChallenge, req.verifierChallenge);
  if (pkce !== null) return { ok: false, detail: pkce };
  const target = req.target ? targetProblem(grant.resource ?? null, req.target) : null;
  if (target !== null) return { ok: false, detail: target, target: true };
  return { ok: true };
}

/**
 * RFC 8707 §2.2: a `resource` sent to /token must be the one the grant was authorized for (the issuer when none
 * was), and an authorized resource must still be served to this client. Null when the target is fine.
 */
export function targetProblem(authorized: string | null, target: ResourceTarget): string | null {
  if (target.requested !== null && target.requested !== (authorized ?? target.issuer)) {
    return "resource is not the one authorized";
  }
  if (authorized !== null && !target.served.includes(authorized))
    return "the resource is no longer served to this client";
  return null;
}
