/**
 * Server-side Cloudflare Turnstile verification (siteverify), when Turnstile is configured. A token passes only
 * when siteverify says success for our host and for the form's own action; one idempotency key per verification
 * makes our retry of a lost answer the same verification, not a reuse (siteverify refuses a token twice).
 */
import type { Config } from "../config";
import { ApiError } from "../errors";

/** One action per form that carries the widget (its data-action), checked against siteverify's answer. */
export const TURNSTILE_ACTIONS = { magicLink: "magic-link" } as const;
type TurnstileAction = (typeof TURNSTILE_ACTIONS)[keyof typeof TURNSTILE_ACTIONS];

interface SiteverifyResponse {
  success?: unknown;
  "error-codes"?: unknown;
  hostname?: unknown;
  action?: unknown;
}

export interface TurnstileExpectation {
  /** The visitor's own address (CF-Connecting-IP), not a rate-limit key. */
  remoteIp: string | null;
  action: TurnstileAction;
}

const ATTEMPTS = 2;
const ATTEMPT_TIMEOUT_MS = 2500;

/** Pure: why a siteverify answer does not admit this request, or null when it does. */
function siteverifyFailure(
  result: SiteverifyResponse,
  expected: { hostname: string; action: TurnstileAction },
): string | null {
  if (result.success !== true) {
    const codes = Array.isArray(result["error-codes"]) ? result["error-codes"].join(",") : "";
    return `not successful (${codes || "no error codes"})`;
  }
  // Turnstile server-side validation: the hostname the widget was solved on must be ours, so a token solved on
  // another site (with our public site key) is not accepted here.
  if (typeof result.hostname !== "string" || result.hostname.toLowerCase() !== expected.hostname)
    return `hostname ${JSON.stringify(result.hostname)}`;
  // ... and the action must be this form's, so a token solved for one form cannot pass another.
  if (result.action !== expected.action) return `action ${JSON.stringify(result.action)}`;
  return null;
}

/** Throws a 400 `invalid_request` when the token is missing or Turnstile rejects it; 503 when it cannot be asked. */
export async function verifyTurnstile(config: Config, token: unknown, expected: TurnstileExpectation): Promise<void> {
  if (!config.turnstile) return;
  if (typeof token !== "string" || token.length === 0 || token.length > 2048) {
    throw new ApiError("invalid_request", "Please complete the check that you are not a robot.");
  }
  const result = await siteverify(config.turnstile, token, expected.remoteIp, crypto.randomUUID());
  const failure = siteverifyFailure(result, { hostname: new URL(config.origin).hostname, action: expected.action });
  if (failure) {
    console.warn(`turnstile refused: ${failure}`);
    throw new ApiError("invalid_request", "The robot check failed. Try again.");
  }
}

/** POSTs to siteverify, retrying a lost or failed answer once with the same idempotency key (RFC 4122 UUID). */
async function siteverify(
  turnstile: NonNullable<Config["turnstile"]>,
  token: string,
  remoteIp: string | null,
  idempotencyKey: string,
): Promise<SiteverifyResponse> {
  for (let attempt = 1; ; attempt++) {
    const body = new FormData();
    body.set("secret", turnstile.secret);
    body.set("response", token);
    body.set("idempotency_key", idempotencyKey);
    if (remoteIp) body.set("remoteip", remoteIp);
    try {
      const res = await fetch(turnstile.verifyUrl, {
        method: "POST",
        body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      if (res.status >= 500 || res.status === 429) {
        await res.body?.cancel();
        throw new Error(`siteverify answered ${res.status}`);
      }
      const json = (await res.json()) as unknown;
      if (typeof json !== "object" || json === null) throw new Error("siteverify answered no object");
      return json as SiteverifyResponse;
    } catch (err) {
      if (attempt >= ATTEMPTS) {
        console.warn("turnstile siteverify unavailable", err);
        throw new ApiError("temporarily_unavailable", "The robot check could not be completed. Try again.", 2);
      }
    }
  }
}
