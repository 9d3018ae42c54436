/** The disabled flag inside the user's Durable Object: it refuses sign-in, codes, refresh and access tokens itself. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const session = (sid: string) => ({
  secretHash: `h-${sid}`,
  sid,
  userAgent: "t",
  country: null,
  amr: ["pop" as const],
  method: "passkey" as const,
  credentialId: null,
  crossDevice: false,
  idleTtlMs: 60_000,
  absoluteTtlMs: 120_000,
});

const grant = {
  userId: "u",
  clientId: "c",
  redirectUri: "https://rp.example/cb",
  redirectUriSent: true,
  scope: "openid offline_access",
  nonce: null,
  codeChallenge: null,
  sid: "s1",
  authTime: 0,
  amr: ["pop" as const],
  claims: { email: "x@example.test", email_verified: true, name: null },
};

describe("a disabled user's Durable Object", () => {
  it("refuses sign-in without spending the one-time id, and codes stored even after the disable", async () => {
    const stub = env.USER.get(env.USER.idFromName(`user:disabled-${crypto.randomUUID()}`));
    const now = Date.now();
    expect((await stub.signIn(null, session("s1"), now)).ok).toBe(true);
    expect(await stub.disable(now)).toBe(1);
    expect(await stub.disabledAt()).toBe(now);
    expect(await stub.getSession("h-s1", now)).toBeNull();
    const challenge = { id: "challenge:d1", expiresAt: now + 60_000 };
    expect(await stub.signIn(challenge, session("s2"), now)).toEqual({ ok: false, reason: "disabled" });
    // A code stored by a request that raced the disable cannot be redeemed.
    expect(await stub.storeCode("code-hash", grant, now + 60_000)).toBe(true);
    const redemption = { clientId: "c", redirectUri: "https://rp.example/cb", verifierChallenge: null };
    const issue = { familyId: "f1", refreshHash: "r1", refreshExpiresAt: now + 1e6, grantExpiresAt: now + 1e6 };
    expect(await stub.redeemCode("code-hash", redemption, issue, now)).toMatchObject({ ok: false, reason: "disabled" });
    expect(await stub.rotateRefresh("r1", "r2", "c", now + 1e6, now)).toEqual({ ok: false, reason: "disabled" });

    await stub.enable();
    expect(await stub.disabledAt()).toBeNull();
    // The same challenge works now: the refused sign-in did not consume it.
    expect((await stub.signIn(challenge, session("s2"), now)).ok).toBe(true);
    const redeemed = await stub.redeemCode("code-hash", redemption, issue, now);
    expect(redeemed.ok).toBe(true);
    expect(await stub.isAccessTokenActive("jti-1", "f1", now)).toBe(true);
    await stub.disable(now);
    expect(await stub.isAccessTokenActive("jti-1", "f1", now)).toBe(false);
  });
});

describe("pending codes end with the sessions that authorized them", () => {
  const redemption = { clientId: "c", redirectUri: "https://rp.example/cb", verifierChallenge: null };
  const issue = (f: string) => ({ familyId: f, refreshHash: `r-${f}`, refreshExpiresAt: 1e15, grantExpiresAt: 1e15 });

  it("sign out everywhere, one session's end and a disable each expire the codes not yet redeemed", async () => {
    const now = Date.now();
    for (const end of ["all", "one", "disable"] as const) {
      const stub = env.USER.get(env.USER.idFromName(`user:codes-${end}-${crypto.randomUUID()}`));
      expect((await stub.signIn(null, session("s1"), now)).ok).toBe(true);
      expect((await stub.signIn(null, session("s2"), now)).ok).toBe(true);
      expect(await stub.storeCode("code-s1", grant, now + 60_000)).toBe(true);
      expect(await stub.storeCode("code-s2", { ...grant, sid: "s2" }, now + 60_000)).toBe(true);
      if (end === "all") await stub.endAllSessions();
      if (end === "one") await stub.endSession("s1");
      if (end === "disable") {
        await stub.disable(now);
        await stub.enable();
      }
      // A redemption after the end (the object stamps "sign out everywhere" with its own clock).
      const later = Date.now() + 1000;
      expect(await stub.redeemCode("code-s1", redemption, issue("f1"), later), end).toMatchObject({
        ok: false,
        reason: "expired",
      });
      // Ending one session leaves another session's code alone.
      const other = await stub.redeemCode("code-s2", redemption, issue("f2"), later);
      expect(other.ok, end).toBe(end === "one");
    }
  });
});

describe("a deleted user's Durable Object", () => {
  it("keeps nothing but the disabled flag, so a sign-in racing the deletion creates no session", async () => {
    const stub = env.USER.get(env.USER.idFromName(`user:wiped-${crypto.randomUUID()}`));
    const now = Date.now();
    expect((await stub.signIn(null, session("s1"), now)).ok).toBe(true);
    expect(await stub.storeCode("code-w", grant, now + 60_000)).toBe(true);
    await stub.wipe(now);
    expect(await stub.listSessions(now)).toEqual([]);
    expect(await stub.signIn(null, session("s2"), now)).toEqual({ ok: false, reason: "disabled" });
    const redemption = { clientId: "c", redirectUri: "https://rp.example/cb", verifierChallenge: null };
    const issue = { familyId: "fw", refreshHash: "rw", refreshExpiresAt: 1e15, grantExpiresAt: 1e15 };
    expect(await stub.redeemCode("code-w", redemption, issue, now)).toMatchObject({ ok: false });
    expect(await stub.listSessions(now)).toEqual([]);
  });
});
