/**
 * WebAuthn challenges in KV, bound to the browser that asked (cookie) and to a purpose.
 * KV is only the lookup: single use is enforced by consuming `challenge:<value>` in the user's Durable Object.
 */
import type { Env } from "../config";
import { ApiError } from "../errors";
import { randomToken } from "../lib/crypto";

/** WebAuthn L3 §13.4.3: at least 16 random bytes; we use 32. KV's TTL floor is 60 s. */
export const CHALLENGE_TTL_S = 300;

export type ChallengePurpose = "register" | "authenticate";

export interface ChallengeRecord {
  browserId: string;
  purpose: ChallengePurpose;
  /** Set when the ceremony is for a known user (registration, email-hinted sign-in). */
  userId: string | null;
  expiresAt: number;
}

export async function issueChallenge(
  env: Env,
  record: Omit<ChallengeRecord, "expiresAt">,
  now: number,
): Promise<{ challenge: string; expiresAt: number }> {
  const challenge = randomToken(32);
  const expiresAt = now + CHALLENGE_TTL_S * 1000;
  await env.KV.put(`wa:${challenge}`, JSON.stringify({ ...record, expiresAt } satisfies ChallengeRecord), {
    expirationTtl: CHALLENGE_TTL_S,
  });
  return { challenge, expiresAt };
}

/** Loads a challenge for this browser and purpose; any mismatch is the same error so it reveals nothing. */
export async function loadChallenge(
  env: Env,
  challenge: string,
  browserId: string,
  purpose: ChallengePurpose,
  now: number,
): Promise<ChallengeRecord> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
    throw new ApiError("challenge_invalid", "This sign-in attempt has expired. Try again.");
  const record = await env.KV.get<ChallengeRecord>(`wa:${challenge}`, "json");
  // WebAuthn L3 §7.1 step 8 / §7.2 step 12: the challenge must be the one this server issued, to this browser.
  if (!record || record.browserId !== browserId || record.purpose !== purpose || now >= record.expiresAt) {
    throw new ApiError("challenge_invalid", "This sign-in attempt has expired. Try again.");
  }
  return record;
}

/** The Durable Object key that marks a challenge as used. */
export function challengeOneTimeId(challenge: string, expiresAt: number) {
  return { id: `challenge:${challenge}`, expiresAt };
}
