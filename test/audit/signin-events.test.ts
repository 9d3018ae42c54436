/**
 * The audit log of sign-ins, driven through real flows (magic link with real mail, soft-authenticator passkeys) and
 * read back from D1 audit_events as an admin would (docs/events.md).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addPasskey, passkeySignIn, redeemLink, requestLinkToken, uniqueEmail } from "../helpers/accounts";
import { auditEvents, detailsWithEmail, waitForEvents } from "../helpers/audit";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import { userIdOf } from "../helpers/oidc-client";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

let ipCounter = 0;
/** A browser behind its own documentation-range address (RFC 5737), as Cloudflare's edge reports it. */
function browserAt(): { browser: TestBrowser; ip: string } {
  ipCounter += 1;
  const ip = `198.51.100.${(Date.now() + ipCounter) % 250}`;
  const browser = new TestBrowser();
  browser.headers = { "cf-connecting-ip": ip };
  return { browser, ip };
}

async function lastSignInAt(userId: string): Promise<number | null> {
  for (let i = 0; i < 80; i++) {
    const row = await env.DB.prepare("SELECT last_sign_in_at FROM users WHERE id = ?")
      .bind(userId)
      .first<{ last_sign_in_at: number | null }>();
    if (row?.last_sign_in_at) return row.last_sign_in_at;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return null;
}

describe("audit: link sign-in", () => {
  it("a new address: link.requested, user.created, link.redeemed, signin.succeeded, session.started; ip and user agent kept, no email anywhere, last_sign_in_at stamped", async () => {
    const { browser, ip } = browserAt();
    const email = uniqueEmail("audit-link");
    const before = Date.now();
    const token = await requestLinkToken(browser, email);
    expect((await redeemLink(browser, token)).status).toBe(303);
    const userId = userIdOf(browser);
    const types = ["user.created", "link.redeemed", "signin.succeeded", "session.started"];
    const rows = await waitForEvents({ userId }, types);
    const byType = Object.fromEntries(rows.map((r) => [r.type, r]));
    const sid = byType["session.started"]!.detail.sid;
    expect(sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(byType["session.started"]!.detail).toEqual({ sid, method: "link", amr: ["otp"] });
    expect(byType["signin.succeeded"]).toMatchObject({
      outcome: "success",
      actor: "user",
      detail: { method: "link", sid, credential_id: null, cross_device: false },
    });
    expect(byType["link.redeemed"]!.detail).toEqual({ sid, cross_device: false, new_account: true });
    expect(byType["user.created"]!.detail).toEqual({ method: "link" });
    for (const row of rows) {
      expect(row.ip).toBe(ip);
      expect(row.userAgent).toBe(browser.userAgent);
    }
    // The request was recorded after the response (the look-up is off the request path), with the new account.
    const [requested] = await waitForEvents(
      { type: "link.requested", since: before, detailContains: '"new_account":true' },
      ["link.requested"],
    );
    expect(requested).toMatchObject({ outcome: "success", ip, detail: { mailed: true, new_account: true } });
    expect(detailsWithEmail(await auditEvents({ since: before }))).toEqual([]);
    expect(JSON.stringify(rows)).not.toContain(email);
    expect(await lastSignInAt(userId)).toBeGreaterThanOrEqual(before);
  });

  it("an unknown link: link.expired and signin.failed (reason link_invalid), no session", async () => {
    const { browser, ip } = browserAt();
    const before = Date.now();
    const res = await browser.fetch("/auth/link", {
      method: "POST",
      form: { token: "not-a-link-token", csrf: await browser.csrf() },
    });
    expect(res.status).toBe(400);
    expect(browser.sessionCookie).toBeUndefined();
    const rows = await waitForEvents({ since: before, type: "link.expired" }, ["link.expired"]);
    expect(rows.some((r) => r.ip === ip && r.outcome === "failure" && r.userId === null)).toBe(true);
    const failed = await waitForEvents({ since: before, type: "signin.failed", detailContains: "link_invalid" }, [
      "signin.failed",
    ]);
    expect(failed.find((r) => r.ip === ip)).toMatchObject({ detail: { method: "link", reason: "link_invalid" } });
  });
});

describe("audit: passkey sign-in, added, removed", () => {
  it("passkey.added on registration; a passkey sign-in records signin.succeeded and session.started with its credential", async () => {
    const { browser: signup } = browserAt();
    const token = await requestLinkToken(signup, uniqueEmail("audit-pk"));
    await redeemLink(signup, token);
    const userId = userIdOf(signup);
    const auth = await addPasskey(signup);
    const [added] = await waitForEvents({ userId, type: "passkey.added" }, ["passkey.added"]);
    expect(added!.detail).toEqual({
      credential_id: auth.credentialId,
      aaguid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      backup_eligible: true,
    });

    const { browser, ip } = browserAt();
    expect((await passkeySignIn(browser, auth)).status).toBe(200);
    const rows = await waitForEvents({ userId, detailContains: '"method":"passkey"' }, [
      "signin.succeeded",
      "session.started",
    ]);
    const started = rows.find((r) => r.type === "session.started")!;
    expect(started).toMatchObject({ ip, userAgent: browser.userAgent });
    expect(started.detail).toEqual({ sid: expect.any(String), method: "passkey", amr: ["pop", "user", "mfa"] });
    expect(rows.find((r) => r.type === "signin.succeeded")!.detail).toMatchObject({
      method: "passkey",
      sid: started.detail.sid,
      credential_id: auth.credentialId,
    });
    expect(detailsWithEmail(await auditEvents({ userId }))).toEqual([]);
  });

  it("a failed passkey sign-in (a credential id not registered here) records signin.failed with its reason code", async () => {
    const { browser: signup } = browserAt();
    await redeemLink(signup, await requestLinkToken(signup, uniqueEmail("audit-fail")));
    const auth = await addPasskey(signup);
    const { browser, ip } = browserAt();
    const before = Date.now();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const unknownId = "AAAAAAAAAAAAAAAAAAAAAA";
    const res = await browser.postJson("/auth/passkey/verify", {
      response: await auth.authenticate(options as never, ORIGIN, { credentialId: unknownId }),
    });
    expect(res.status).toBe(400);
    const rows = await waitForEvents({ since: before, type: "signin.failed" }, ["signin.failed"]);
    expect(rows.find((r) => r.ip === ip)).toMatchObject({
      outcome: "failure",
      userId: null,
      detail: { method: "passkey", reason: "verification_failed" },
    });
  });

  it("removing a passkey records passkey.removed and session.ended (reason passkey_removed) for the sessions it started", async () => {
    const { browser: owner } = browserAt();
    await redeemLink(owner, await requestLinkToken(owner, uniqueEmail("audit-rm")));
    const userId = userIdOf(owner);
    const first = await addPasskey(owner);
    await addPasskey(owner, await SoftAuthenticator.create());
    const { browser: elsewhere } = browserAt();
    expect((await passkeySignIn(elsewhere, first)).status).toBe(200);
    const elsewhereStart = (
      await waitForEvents({ userId, detailContains: first.credentialId! }, ["signin.succeeded"])
    ).find((r) => r.type === "signin.succeeded");
    const res = await owner.fetch("/account/passkeys/delete", {
      method: "POST",
      form: { id: first.credentialId!, csrf: await owner.csrf() },
    });
    expect(res.status).toBe(303);
    const rows = await waitForEvents({ userId, detailContains: first.credentialId! }, [
      "passkey.removed",
      "session.ended",
    ]);
    expect(rows.find((r) => r.type === "passkey.removed")!.detail).toEqual({
      credential_id: first.credentialId,
      remaining: 1,
    });
    expect(rows.find((r) => r.type === "session.ended")!.detail).toEqual({
      sid: elsewhereStart!.detail.sid,
      reason: "passkey_removed",
      credential_id: first.credentialId,
    });
  });
});

describe("audit: sessions ended by the person", () => {
  it("sign-out records session.ended (reason signout); sign out everywhere records one event with the count", async () => {
    const { browser } = browserAt();
    await redeemLink(browser, await requestLinkToken(browser, uniqueEmail("audit-out")));
    const userId = userIdOf(browser);
    const [started] = await waitForEvents({ userId, type: "session.started" }, ["session.started"]);
    const out = await browser.fetch("/signout", { method: "POST", form: { csrf: await browser.csrf() } });
    expect(out.status).toBe(303);
    const [ended] = await waitForEvents({ userId, type: "session.ended" }, ["session.ended"]);
    expect(ended!.detail).toEqual({ sid: started!.detail.sid, reason: "signout" });

    const { browser: again } = browserAt();
    await redeemLink(again, await requestLinkToken(again, uniqueEmail("audit-all")));
    const other = userIdOf(again);
    const res = await again.fetch("/account/sessions/end-all", { method: "POST", form: { csrf: await again.csrf() } });
    expect(res.status).toBe(303);
    const rows = await waitForEvents({ userId: other, type: "session.ended" }, ["session.ended"]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toMatchObject({ reason: "signed_out_everywhere", sessions_ended: 1 });
  });
});
