/** Rate-limit middleware for the endpoints attackers hammer: registration, token failures, passkey failures. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-types";
import { ApiError, errorResponse, OAuthError } from "../errors";
import type { LimitName } from "../limiter/limits";
import { anyLocallyBlocked, clientIp, hit, type LimitKey, locallyBlocked, peekIp } from "./rate-limiter";

type Refusal = (retryAfterS: number) => Error;

const oauthRefusal: Refusal = (s) =>
  new OAuthError("temporarily_unavailable", "too many requests; retry later", 429, s);
const apiRefusal: Refusal = (s) => new ApiError("rate_limited", "Too many attempts. Wait a moment and try again.", s);

/**
 * Counts every request (before it runs) against the caller IP's bucket. A request `spared` says is authenticated
 * (the admin token) spends nothing; it is still refused while the bucket is empty, so guesses made after the
 * budget is spent learn nothing from which answers are 429.
 */
export function limitPerIp(
  name: LimitName,
  refusal: "oauth" | "api",
  spared?: (c: Context<AppEnv>) => Promise<boolean>,
): MiddlewareHandler<AppEnv> {
  return async function limitPerIpMiddleware(c, next) {
    const ip = clientIp(c);
    if (ip) {
      const limits = c.get("config").rateLimits;
      const now = Date.now();
      const result =
        spared && (await spared(c))
          ? await peekIp(c.env, limits, ip, name, now)
          : await hit(c.env, limits, { kind: "ip", ip }, name, now);
      if (!result.allowed) return errorResponse((refusal === "oauth" ? oauthRefusal : apiRefusal)(result.retryAfterS));
    }
    await next();
    return undefined;
  };
}

/**
 * Counts only failed requests: the happy path pays no extra round trip. A key the limiter refused is
 * refused early in this isolate until its retry time; across isolates the limiter decides at the next failure.
 */
export function limitFailures(
  name: LimitName,
  keyOf: (c: Context<AppEnv>) => Promise<LimitKey | null> | LimitKey | null,
  isFailure: (err: Error) => boolean,
  refusal: "oauth" | "api",
): MiddlewareHandler<AppEnv> {
  const refuse = refusal === "oauth" ? oauthRefusal : apiRefusal;
  return async function limitFailuresMiddleware(c, next) {
    const now = Date.now();
    // The key is worked out before the request only when this isolate refuses anything early at all.
    const early = anyLocallyBlocked() ? await keyOf(c) : null;
    if (early) {
      const blocked = locallyBlocked(early, name, now);
      if (blocked !== null) return errorResponse(refuse(blocked));
    }
    await next();
    if (!c.error || !isFailure(c.error)) return undefined;
    const key = early ?? (await keyOf(c));
    if (key) {
      try {
        const result = await hit(c.env, c.get("config").rateLimits, key, name, now);
        if (!result.allowed) c.res = errorResponse(refuse(result.retryAfterS));
      } catch (err) {
        // Counting is best effort: the request's own answer stands when the limiter cannot be reached.
        console.warn("rate limiter unavailable while counting a failure", err);
      }
    }
    return undefined;
  };
}
