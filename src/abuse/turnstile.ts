/** Server-side Cloudflare Turnstile verification (siteverify), when Turnstile is configured. */
import type { Config } from "../config";
import { ApiError } from "../errors";

interface SiteverifyResponse {
  success?: boolean;
  "error-codes"?: string[];
}

/** Throws a 400 `invalid_request` when the token is missing or Turnstile rejects it; 503 when it cannot be asked. */
export async function verifyTurnstile(config: Config, token: unknown, ip: string | null): Promise<void> {
  if (!config.turnstile) return;
  if (typeof token !== "string" || token.length === 0 || token.length > 2048) {
    throw new ApiError("invalid_request", "Please complete the check that you are not a robot.");
  }
  const body = new FormData();
  body.set("secret", config.turnstile.secret);
  body.set("response", token);
  if (ip) body.set("remoteip", ip);
  let result: SiteverifyResponse;
  try {
    const res = await fetch(config.turnstile.verifyUrl, { method: "POST", body, signal: AbortSignal.timeout(5000) });
    result = (await res.json()) as SiteverifyResponse;
  } catch {
    throw new ApiError("temporarily_unavailable", "The robot check could not be completed. Try again.", 2);
  }
  if (result.success !== true) throw new ApiError("invalid_request", "The robot check failed. Try again.");
}
