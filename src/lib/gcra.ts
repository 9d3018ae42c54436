/**
 * Generic cell rate algorithm (a token bucket with one number of state), pure: `limit` requests per
 * `windowMs`, bursts up to `limit`. State is the theoretical arrival time (tat) in ms.
 */

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export type RateDecision = { allowed: true; tat: number } | { allowed: false; tat: number; retryAfterMs: number };

export function gcra(tat: number | null, now: number, { limit, windowMs }: RateLimit): RateDecision {
  const interval = windowMs / limit;
  const tolerance = windowMs - interval;
  const current = Math.max(tat ?? now, now);
  if (current - now > tolerance) {
    return { allowed: false, tat: current, retryAfterMs: Math.ceil(current - tolerance - now) };
  }
  return { allowed: true, tat: current + interval };
}
