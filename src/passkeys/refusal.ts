/**
 * The answers to failed passkey ceremonies. Every sign-in failure before a verified signature is one answer
 * (same status, code and message), whatever the cause: an unknown credential, one of another account, a
 * userHandle that does not fit, a malformed or wrong signature (WebAuthn L3 §14.6.2, account enumeration).
 * The cause, and any library message (which names the allowed origins), is logged, never sent.
 */
import { ApiError } from "../errors";

export const SIGN_IN_REFUSED =
  "This passkey could not be used to sign in here. Try again, or sign in with an email link.";
const REGISTRATION_REFUSED = "This passkey could not be verified. Try again.";

export function signInRefused(reason: string, err?: unknown): ApiError {
  console.warn(`passkey sign-in refused: ${reason}`, ...(err === undefined ? [] : [messageOf(err)]));
  return new ApiError("verification_failed", SIGN_IN_REFUSED);
}

export function registrationRefused(reason: string, err?: unknown): ApiError {
  console.warn(`passkey registration refused: ${reason}`, ...(err === undefined ? [] : [messageOf(err)]));
  return new ApiError("verification_failed", REGISTRATION_REFUSED);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500);
}
