/**
 * What a sign-in proves, as claims: amr (RFC 8176 §2) and acr (OIDC Core §2), one pure mapping for every method.
 * Only registered amr values that are true are emitted: no attestation is asked for, so nothing is known about
 * the hardware a passkey lives in ("hwk" / "swk" are not claimed); the mapping and its reasons are in
 * docs/conformance.md ("amr and acr").
 */
import type { Amr } from "../user/types";

/** Authentication context classes, weakest first (the order `acr_values` is checked in). */
export const ACR_VALUES = ["federated", "email-link", "passkey", "passkey-uv"] as const;
export type Acr = (typeof ACR_VALUES)[number];

/**
 * RFC 8176 §2: a passkey assertion is proof of possession of a key ("pop") with a test of user presence ("user",
 * WebAuthn L3 §6.1 UP, always required); with user verification (UV, a PIN or biometric checked by the
 * authenticator) it is two factors ("mfa").
 */
export function passkeyAmr(userVerified: boolean): Amr[] {
  return userVerified ? ["pop", "user", "mfa"] : ["pop", "user"];
}

/** RFC 8176 §2 "otp": the mailed link carries a single-use secret; proving it is a one-time password sign-in. */
export const EMAIL_LINK_AMR: Amr[] = ["otp"];

/**
 * RFC 8176 §2 "fed": the person was authenticated by an upstream identity provider. What that provider checked is
 * not known here, so nothing more is claimed.
 */
export const FEDERATED_AMR: Amr[] = ["fed"];

/**
 * The amr published for a stored session or grant. Records written before this mapping carry "hwk"/"swk" (read
 * from an unattested BE flag) and "email" (not registered): those are dropped or mapped, so no token claims them.
 */
export function publishedAmr(stored: readonly Amr[]): Amr[] {
  if (stored.includes("pop")) return passkeyAmr(stored.includes("mfa"));
  if (stored.includes("fed")) return FEDERATED_AMR.slice();
  return EMAIL_LINK_AMR.slice();
}

/** OIDC Core §2 acr: the class of the sign-in, from what it proved (a lower class without UV). */
export function acrOf(amr: readonly Amr[]): Acr {
  if (amr.includes("pop")) return amr.includes("mfa") ? "passkey-uv" : "passkey";
  // The weakest class: the upstream's own checks are unknown to Latchkey.
  if (amr.includes("fed")) return "federated";
  return "email-link";
}

/**
 * OIDC Core §3.1.2.1 acr_values (voluntary): whether a sign-in of class `acr` satisfies the request. A class
 * satisfies itself and every weaker one; values Latchkey does not define cannot be checked and are ignored, so
 * a request naming none of ours is satisfied by any sign-in.
 */
export function acrSatisfies(acr: Acr, requested: readonly string[]): boolean {
  const ranks = requested.map((v) => (ACR_VALUES as readonly string[]).indexOf(v)).filter((r) => r >= 0);
  if (ranks.length === 0) return true;
  return ACR_VALUES.indexOf(acr) >= Math.min(...ranks);
}
