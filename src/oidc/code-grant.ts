/** The pure checks at an authorization code's redemption (RFC 6749 §4.1.3, RFC 7636 §4.6); the record is in user/types.ts. */
import type { CodeGrant, CodeRedemptionRequest } from "../user/types";

export type CodeCheck = { ok: true } | { ok: false; detail: string };

export function checkCodeRedemption(grant: CodeGrant, req: CodeRedemptionRequest): CodeCheck {
  // RFC 6749 §4.1.3: the code was issued to this authenticated client.
  if (grant.clientId !== req.clientId) return { ok: false, detail: "code was issued to another client" };
  // RFC 6749 §4.1.3: redirect_uri must be present and identical when it was in the authorization request;
  // when it was not, a value sent anyway must still be the one the code was delivered to.
  if (grant.redirectUriSent || req.redirectUri !== null) {
    if (req.redirectUri !== grant.redirectUri) return { ok: false, detail: "redirect_uri does not match the authorization request" };
  }
  if (grant.codeChallenge !== null) {
    // RFC 7636 §4.6: code_verifier is required and S256(code_verifier) must equal code_challenge.
    if (req.verifierChallenge === null) return { ok: false, detail: "code_verifier is required" };
    if (req.verifierChallenge !== grant.codeChallenge) return { ok: false, detail: "code_verifier does not match code_challenge" };
  } else if (req.verifierChallenge !== null) {
    // RFC 9700 §2.1.1 / PKCE downgrade: a verifier without a challenge means the request was tampered with.
    return { ok: false, detail: "code_verifier sent but no code_challenge was used" };
  }
  return { ok: true };
}
