/** Proof Key for Code Exchange (RFC 7636), S256 only: the syntax of both halves and the check at redemption. */
import { sha256b64url } from "./crypto";

/** RFC 7636 §4.1: 43-128 characters of the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function isCodeVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

export function isS256Challenge(value: string): boolean {
  return S256_CHALLENGE.test(value);
}

/** RFC 7636 §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
export function s256Challenge(verifier: string): Promise<string> {
  return sha256b64url(verifier);
}

/**
 * The PKCE check at code redemption. `codeChallenge` is what the authorization request carried (null: none);
 * `verifierChallenge` is s256Challenge(code_verifier) from the token request (null: no verifier). Null when the
 * pair passes, else why not (for the log).
 */
export function pkceMismatch(codeChallenge: string | null, verifierChallenge: string | null): string | null {
  if (codeChallenge !== null) {
    // RFC 7636 §4.6: code_verifier is required and S256(code_verifier) must equal code_challenge.
    if (verifierChallenge === null) return "code_verifier is required";
    if (verifierChallenge !== codeChallenge) return "code_verifier does not match code_challenge";
    return null;
  }
  // RFC 9700 §2.1.1 / PKCE downgrade: a verifier without a challenge means the request was tampered with.
  if (verifierChallenge !== null) return "code_verifier sent but no code_challenge was used";
  return null;
}
