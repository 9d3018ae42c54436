/** The pure rotation policy: time is advanced by passing `now`, never by waiting. */
import { describe, expect, it } from "vitest";
import {
  isPublished,
  type KeyTimes,
  planKeyRotation,
  SIGNING_ALGS,
  selectPublishedKeys,
  selectSigningKey,
  unpublishTime,
} from "../../src/keys/key-policy";
import {
  ID_TOKEN_TTL_S,
  KEY_ROTATE_AFTER_S,
  KEY_SIGN_LEAD_S,
  KEY_UNPUBLISH_MARGIN_S,
  MAX_RESOURCE_ACCESS_TOKEN_TTL_S,
} from "../../src/lib/token-lifetimes";

const S = 1000;
const T0 = Date.UTC(2026, 0, 1);

function key(kid: string, createdAt: number, more: Partial<KeyTimes> = {}): KeyTimes {
  return { kid, alg: "ES256", createdAt, signFrom: createdAt, retiredAt: null, unpublishAt: null, ...more };
}

describe("planKeyRotation", () => {
  it("creates one key per algorithm that signs at once when there is none", () => {
    expect(planKeyRotation([], T0)).toEqual({
      create: SIGNING_ALGS.map((alg) => ({ alg, signFrom: T0 })),
      retire: [],
      delete: [],
    });
  });

  it("leaves a young active key alone", () => {
    const keys = [key("a", T0), key("r", T0, { alg: "RS256" })];
    expect(planKeyRotation(keys, T0 + (KEY_ROTATE_AFTER_S - 1) * S)).toEqual({ create: [], retire: [], delete: [] });
  });

  it("publishes a successor KEY_SIGN_LEAD_S before it signs once the active key is KEY_ROTATE_AFTER_S old", () => {
    const now = T0 + KEY_ROTATE_AFTER_S * S;
    const plan = planKeyRotation([key("a", T0)], now, ["ES256"]);
    expect(plan.create).toEqual([{ alg: "ES256", signFrom: now + KEY_SIGN_LEAD_S * S }]);
    expect(plan.retire).toEqual([]);
  });

  it("does not pile up successors while one is pending", () => {
    const created = T0 + KEY_ROTATE_AFTER_S * S;
    const keys = [key("a", T0), key("p", created, { signFrom: created + KEY_SIGN_LEAD_S * S })];
    expect(planKeyRotation(keys, created + 10 * 60 * S, ["ES256"])).toEqual({ create: [], retire: [], delete: [] });
  });

  it("retires the old key when the pending one starts signing, and keeps it published while its tokens live (the longest a resource may give them)", () => {
    const created = T0 + KEY_ROTATE_AFTER_S * S;
    const signFrom = created + KEY_SIGN_LEAD_S * S;
    const keys = [key("a", T0), key("p", created, { signFrom })];
    const plan = planKeyRotation(keys, signFrom + 15 * 60 * S, ["ES256"]);
    const unpublishAt =
      signFrom + (Math.max(ID_TOKEN_TTL_S, MAX_RESOURCE_ACCESS_TOKEN_TTL_S) + KEY_UNPUBLISH_MARGIN_S) * S;
    expect(plan).toEqual({ create: [], retire: [{ kid: "a", retiredAt: signFrom, unpublishAt }], delete: [] });
    expect(unpublishTime(signFrom)).toBe(unpublishAt);
  });

  it("deletes a retired key only after its unpublish time", () => {
    const retired = key("a", T0, { retiredAt: T0 + 10 * S, unpublishAt: T0 + 100 * S });
    const current = key("b", T0 + 10 * S);
    expect(planKeyRotation([retired, current], T0 + 100 * S, ["ES256"]).delete).toEqual([]);
    expect(planKeyRotation([retired, current], T0 + 100 * S + 1, ["ES256"]).delete).toEqual(["a"]);
  });

  it("two isolates creating a first key at once: one is kept, the other retired but still published", () => {
    const x = key("x-kid", T0);
    const y = key("y-kid", T0 + 5);
    const plan = planKeyRotation([x, y], T0 + 60 * S, ["ES256"]);
    expect(plan.retire).toEqual([{ kid: "x-kid", retiredAt: T0 + 5, unpublishAt: unpublishTime(T0 + 5) }]);
    expect(plan.create).toEqual([]);
  });

  it("rotates each algorithm on its own schedule", () => {
    const now = T0 + KEY_ROTATE_AFTER_S * S;
    const keys = [key("old-es", T0), key("young-rs", now - S, { alg: "RS256" })];
    expect(planKeyRotation(keys, now).create).toEqual([{ alg: "ES256", signFrom: now + KEY_SIGN_LEAD_S * S }]);
  });

  it("replaces a lost active key at once even when a successor is still pending", () => {
    const pending = key("p", T0, { signFrom: T0 + KEY_SIGN_LEAD_S * S });
    expect(planKeyRotation([pending], T0 + S, ["ES256"]).create).toEqual([{ alg: "ES256", signFrom: T0 + S }]);
  });
});

describe("selectSigningKey", () => {
  const created = T0 + KEY_ROTATE_AFTER_S * S;
  const signFrom = created + KEY_SIGN_LEAD_S * S;
  const keys = [key("a", T0), key("p", created, { signFrom })];

  it("publish-before-sign: a pending key does not sign before its signFrom", () => {
    expect(selectSigningKey(keys, "ES256", signFrom - 1)?.kid).toBe("a");
  });

  it("the newest key signs from its signFrom, before the cron has retired the old one", () => {
    expect(selectSigningKey(keys, "ES256", signFrom)?.kid).toBe("p");
  });

  it("never returns a retired key or a key of another algorithm", () => {
    const retired = [key("a", T0, { retiredAt: T0 + S, unpublishAt: T0 + 1000 * S })];
    expect(selectSigningKey(retired, "ES256", T0 + 2 * S)).toBeNull();
    expect(selectSigningKey(keys, "RS256", signFrom)).toBeNull();
  });

  it("clock skew: a key created in this isolate's future neither signs nor is published", () => {
    const future = key("f", T0 + 60 * S);
    expect(selectSigningKey([future], "ES256", T0)).toBeNull();
    expect(isPublished(future, T0)).toBe(false);
  });

  it("concurrent creation: every isolate picks the same key whatever order the rows come in", () => {
    const x = key("kid-x", T0);
    const y = key("kid-y", T0);
    expect(selectSigningKey([x, y], "ES256", T0)?.kid).toBe(selectSigningKey([y, x], "ES256", T0)?.kid);
  });
});

describe("selectPublishedKeys", () => {
  it("publishes pending, active and retired-but-unexpired keys, and nothing past unpublishAt", () => {
    const keys = [
      key("gone", T0 - 100 * S, { retiredAt: T0 - 90 * S, unpublishAt: T0 - S }),
      key("retired", T0 - 50 * S, { retiredAt: T0 - 10 * S, unpublishAt: T0 + 100 * S }),
      key("active", T0 - 10 * S),
      key("pending", T0 - S, { signFrom: T0 + 3600 * S }),
    ];
    expect(
      selectPublishedKeys(keys, T0)
        .map((k) => k.kid)
        .sort(),
    ).toEqual(["active", "pending", "retired"]);
    expect(
      selectPublishedKeys(keys, T0 + 100 * S)
        .map((k) => k.kid)
        .sort(),
    ).toEqual(["active", "pending"]);
  });
});
