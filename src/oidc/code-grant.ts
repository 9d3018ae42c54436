/** What an authorization code stands for, and the pure checks at its redemption (RFC 6749 §4.1.3, RFC 7636 §4.6). */
import type { Amr } from "../sessions/user-do";
import { pkceMismatch } from "./pkce";

export interface CodeGrant {
  userId: string;
  clientId: string;
  redirectUri: string;
  /** Whether redirect_uri was in the authorization request (RFC 6749 §4.1.3 then requires it at the token endpoint). */
  redirectUriSent: boolean;
  /** Space-joined (the stored form); parsed with oidc/scope.ts where it is read. */
  scope: string;
  nonce: string | null;
  /** RFC 7636 S256 code_challenge, or null when the (confidential) client sent none. */
  codeChallenge: string | null;
  sid: string;
  authTime: number;
  amr: Amr[];
  /** Identity claims captured at authorization (OIDC Core §5.1), released by scope. */
  claims: UserClaims;
}

export interface UserClaims {
  email: string;
  email_verified: boolean;
  name: string | null;
}

export interface CodeRedemptionRequest {
  clientId: string;
  /** redirect_uri sent to the token endpoint, or null when absent. */
  redirectUri: string | null;
  /** s256Challenge(code_verifier) (oidc/pkce.ts) computed by the token endpoint, or null when no verifier was sent. */
  verifierChallenge: string | null;
}

export type CodeCheck = { ok: true } | { ok: false; detail: string };

export function checkCodeRedemption(grant: CodeGrant, req: CodeRedemptionRequest): CodeCheck {
  // RFC 6749 §4.1.3: the code was issued to this authenticated client.
  if (grant.clientId !== req.clientId) return { ok: false, detail: "code was issued to another client" };
  // RFC 6749 §4.1.3: redirect_uri must be present and identical when it was in the authorization request;
  // when it was not, a value sent anyway must still be the one the code was delivered to.
  if (grant.redirectUriSent || req.redirectUri !== null) {
    if (req.redirectUri !== grant.redirectUri) return { ok: false, detail: "redirect_uri does not match the authorization request" };
  }
  // RFC 7636 §4.6 (and the PKCE downgrade of RFC 9700 §2.1.1), in oidc/pkce.ts.
  const pkce = pkceMismatch(grant.codeChallenge, req.verifierChallenge);
  if (pkce !== null) return { ok: false, detail: pkce };
  return { ok: true };
}
