/** Rate-limit settings: defaults, overridable per bucket with the RATE_LIMITS var (JSON). */
import type { RateLimit } from "../lib/gcra";

export type LimitName =
  | "magicLinkPerAddress"
  | "magicLinkPerIp"
  | "passkeyFailurePerIp"
  | "passkeyHintPerIp"
  | "authorizePerIp"
  | "tokenFailurePerClient"
  | "registerPerIp"
  | "federationPerIp";

export type RateLimits = Record<LimitName, RateLimit>;

const MIN = 60_000;

const DEFAULT_LIMITS: RateLimits = {
  magicLinkPerAddress: { limit: 5, windowMs: 15 * MIN },
  magicLinkPerIp: { limit: 30, windowMs: 10 * MIN },
  passkeyFailurePerIp: { limit: 30, windowMs: 10 * MIN },
  passkeyHintPerIp: { limit: 30, windowMs: 10 * MIN },
  authorizePerIp: { limit: 120, windowMs: 10 * MIN },
  tokenFailurePerClient: { limit: 60, windowMs: MIN },
  registerPerIp: { limit: 20, windowMs: 60 * MIN },
  federationPerIp: { limit: 60, windowMs: 10 * MIN },
};

/** Parses `{"magicLinkPerAddress": {"limit": 5, "windowSeconds": 900}, ...}`; throws on anything malformed. */
export function parseRateLimits(raw: string | undefined): RateLimits {
  const limits: RateLimits = { ...DEFAULT_LIMITS };
  if (!raw) return limits;
  const parsed = JSON.parse(raw) as Record<string, { limit?: unknown; windowSeconds?: unknown }>;
  for (const [name, value] of Object.entries(parsed)) {
    if (!(name in DEFAULT_LIMITS)) throw new Error(`RATE_LIMITS: unknown limit ${name}`);
    const limit = Number(value?.limit);
    const windowSeconds = Number(value?.windowSeconds);
    if (!Number.isInteger(limit) || limit < 1 || !Number.isFinite(windowSeconds) || windowSeconds < 1) {
      throw new Error(`RATE_LIMITS: ${name} needs a positive integer limit and windowSeconds`);
    }
    limits[name as LimitName] = { limit, windowMs: windowSeconds * 1000 };
  }
  return limits;
}
