/**
 * Pure signing-key policy: which key signs, which keys are published, and what rotation must change (times in epoch
 * ms).
 */
import {
  KEY_ROTATE_AFTER_S,
  KEY_SIGN_LEAD_S,
  KEY_UNPUBLISH_MARGIN_S,
  MAX_SIGNED_TOKEN_TTL_S,
} from "../lib/token-lifetimes";

export type SigningAlg = "ES256" | "RS256";
export const SIGNING_ALGS: readonly SigningAlg[] = ["ES256", "RS256"];

/** The lifecycle columns of a signing_keys row. */
export interface KeyTimes {
  kid: string;
  alg: string;
  /** Published from here. */
  createdAt: number;
  /** Signs from here (publish-before-sign: signFrom >= createdAt). */
  signFrom: number;
  /** Stops signing here; null while active or pending. */
  retiredAt: number | null;
  /** Leaves the JWKS here; null until retired. */
  unpublishAt: number | null;
}

export interface KeyPlan {
  /** Keys to generate, per algorithm, with the moment they start signing. */
  create: { alg: SigningAlg; signFrom: number }[];
  retire: { kid: string; retiredAt: number; unpublishAt: number }[];
  /** Rows every token of which has expired. */
  delete: string[];
}

const S = 1000;

function isRetired(k: KeyTimes, now: number): boolean {
  return k.retiredAt !== null && k.retiredAt <= now;
}

/** Newest first: signFrom, then createdAt, then kid — the same order in every isolate, so concurrent creators agree. */
function newestFirst(a: KeyTimes, b: KeyTimes): number {
  if (a.signFrom !== b.signFrom) return b.signFrom - a.signFrom;
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0;
}

/** The key that signs for `alg` at `now`: the newest one already allowed to sign and not retired. */
export function selectSigningKey<K extends KeyTimes>(keys: readonly K[], alg: SigningAlg, now: number): K | null {
  const usable = keys.filter((k) => k.alg === alg && k.signFrom <= now && !isRetired(k, now) && isPublished(k, now));
  usable.sort(newestFirst);
  return usable[0] ?? null;
}

/**
 * RFC 7517 §5: the JWKS holds every key a verifier may meet: pending (published before it signs), active, and retired
 * until unpublishAt.
 */
export function isPublished(k: KeyTimes, now: number): boolean {
  return k.createdAt <= now && (k.unpublishAt === null || k.unpublishAt > now);
}

export function selectPublishedKeys<K extends KeyTimes>(keys: readonly K[], now: number): K[] {
  return keys.filter((k) => isPublished(k, now)).sort(newestFirst);
}

/**
 * When a key that stopped signing at `retiredAt` may leave the JWKS: after every token it signed has expired, plus a
 * margin.
 */
export function unpublishTime(retiredAt: number): number {
  return retiredAt + (MAX_SIGNED_TOKEN_TTL_S + KEY_UNPUBLISH_MARGIN_S) * S;
}

/**
 * Rotation for every algorithm in `algs`, decided from the rows alone:
 * - no key can sign now → create one that signs at once (first need, or a lost key);
 * - the signing key is older than KEY_ROTATE_AFTER_S and nothing is pending → create one that signs in KEY_SIGN_LEAD_S
 *   (published now, so verifiers hold it before its first token);
 * - every other unretired key whose signFrom has passed has been superseded → retire it at the current key's signFrom
 *   and unpublish it once its tokens have expired (this also settles two keys created at once by two isolates);
 * - rows past unpublishAt are deleted.
 */
export function planKeyRotation(
  keys: readonly KeyTimes[],
  now: number,
  algs: readonly SigningAlg[] = SIGNING_ALGS,
): KeyPlan {
  const plan: KeyPlan = { create: [], retire: [], delete: [] };
  for (const k of keys) {
    if (k.unpublishAt !== null && k.unpublishAt < now) plan.delete.push(k.kid);
  }
  const live = keys.filter((k) => !plan.delete.includes(k.kid));
  for (const alg of algs) {
    const current = selectSigningKey(live, alg, now);
    const unretired = live.filter((k) => k.alg === alg && k.retiredAt === null);
    const pending = unretired.filter((k) => k.signFrom > now);
    if (current === null) {
      plan.create.push({ alg, signFrom: now });
      continue;
    }
    for (const k of unretired) {
      if (k.kid !== current.kid && k.signFrom <= now) {
        plan.retire.push({ kid: k.kid, retiredAt: current.signFrom, unpublishAt: unpublishTime(current.signFrom) });
      }
    }
    if (now - current.createdAt >= KEY_ROTATE_AFTER_S * S && pending.length === 0) {
      plan.create.push({ alg, signFrom: now + KEY_SIGN_LEAD_S * S });
    }
  }
  return plan;
}

export function isEmptyPlan(plan: KeyPlan): boolean {
  return plan.create.length === 0 && plan.retire.length === 0 && plan.delete.length === 0;
}
