/** CollectedClientData (WebAuthn L3 §5.8.1), read before full verification. */
import { ApiError } from "../errors";

/**
 * The challenge a ceremony answers, so its record can be looked up, after the frame rule of WebAuthn L3 §7.1 and
 * §7.2 ("If C.crossOrigin is present and set to true, verify that the Relying Party expects this credential to be
 * used within an iframe that is not same-origin with its ancestors"; "If C.topOrigin is present: …"). Latchkey's
 * pages refuse to be framed (frame-ancestors 'none'), so a response made inside another site's frame is refused
 * before the challenge is touched. @simplewebauthn/server 14 lets registration through with either field and
 * sign-in with crossOrigin alone.
 */
export function readClientData(clientDataJSON: unknown): { challenge: string } {
  if (typeof clientDataJSON !== "string" || clientDataJSON.length > 4096)
    throw new ApiError("invalid_request", "clientDataJSON is missing.");
  let parsed: { challenge?: unknown; crossOrigin?: unknown; topOrigin?: unknown };
  try {
    const b64 = clientDataJSON.replace(/-/g, "+").replace(/_/g, "/");
    parsed = JSON.parse(atob(b64 + "===".slice((b64.length + 3) % 4))) as typeof parsed;
  } catch {
    throw new ApiError("invalid_request", "clientDataJSON is malformed.");
  }
  if (typeof parsed !== "object" || parsed === null || typeof parsed.challenge !== "string")
    throw new ApiError("invalid_request", "clientDataJSON is malformed.");
  if (parsed.crossOrigin === true || parsed.topOrigin !== undefined) {
    throw new ApiError(
      "verification_failed",
      "Passkeys work on this site's own sign-in page, not inside another site's frame.",
    );
  }
  return { challenge: parsed.challenge };
}
