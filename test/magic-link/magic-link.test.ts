import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { redeemLink, requestLinkToken, signUp, uniqueEmail } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";
import { waitForMail } from "../helpers/mailbox";

async function userCount(email: string): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>())!
    .n;
}

describe("magic links", () => {
  it("enumeration: known and unknown addresses get the same answer, and both get a mail", async () => {
    const { email: known } = await signUp();
    const unknown = uniqueEmail("stranger");
    const browser = new TestBrowser();
    const a = await browser.postJson("/auth/email", { email: known });
    const b = await browser.postJson("/auth/email", { email: unknown });
    expect(a.status).toBe(b.status);
    expect(await a.text()).toBe(await b.text());
    const knownMail = await waitForMail(known, { count: 2 });
    const unknownMail = await waitForMail(unknown);
    expect(knownMail.subject).toMatch(/sign-in link/i);
    expect(unknownMail.text).toContain("/auth/link?token=");
  });

  it("a new address becomes a user only when its link is redeemed (verified email)", async () => {
    const email = uniqueEmail("new");
    const browser = new TestBrowser();
    const token = await requestLinkToken(browser, email, "/account");
    expect(await userCount(email)).toBe(0);
    const res = await redeemLink(browser, token);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/passkey/offer?return_to=%2Faccount&new=1");
    const user = await env.DB.prepare("SELECT email_verified_at FROM users WHERE email = ?")
      .bind(email)
      .first<{ email_verified_at: number }>();
    expect(user!.email_verified_at).toBeGreaterThan(0);
  });

  it("link scanners: GET of the mailed URL shows a button and does not redeem", async () => {
    const email = uniqueEmail("scan");
    const browser = new TestBrowser();
    const token = await requestLinkToken(browser, email);
    const scanner = new TestBrowser();
    for (let i = 0; i < 3; i++) {
      const page = await scanner.fetch(`/auth/link?token=${token}`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('method="post" action="/auth/link"');
      // The page names the whole account, so a forwarded link cannot sign someone into another account unawares.
      expect(html).toContain(`<strong>${email}</strong>`);
      expect(html).not.toContain("***");
    }
    expect(scanner.sessionCookie).toBeUndefined();
    expect(await userCount(email)).toBe(0);
    expect((await redeemLink(browser, token)).status).toBe(303);
  });

  it("replay: a link redeemed twice fails the second time and makes no second session", async () => {
    const { email, browser } = await signUp();
    const token = await requestLinkToken(browser, email, undefined, 2);
    const first = new TestBrowser();
    expect((await redeemLink(first, token)).status).toBe(303);
    const second = new TestBrowser();
    const res = await redeemLink(second, token);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/already used|expired/);
    expect(second.sessionCookie).toBeUndefined();
  });

  it("replay even while KV still holds the record: the consumption lives in the Durable Object", async () => {
    const email = uniqueEmail("kvreplay");
    const browser = new TestBrowser();
    const token = await requestLinkToken(browser, email);
    // Keep a copy of the KV record, redeem, then put the record back as if KV had not caught up.
    const keys = await env.KV.list({ prefix: "ml:" });
    const records = await Promise.all(keys.keys.map(async (k) => [k.name, await env.KV.get(k.name)] as const));
    expect((await redeemLink(browser, token)).status).toBe(303);
    for (const [name, value] of records) if (value) await env.KV.put(name, value, { expirationTtl: 600 });
    const again = new TestBrowser();
    expect((await redeemLink(again, token)).status).toBe(400);
    expect(again.sessionCookie).toBeUndefined();
  });

  it("race: one link redeemed 10 times in parallel signs in exactly once and makes one user", async () => {
    const email = uniqueEmail("race");
    const requester = new TestBrowser();
    const token = await requestLinkToken(requester, email);
    const browsers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const b = new TestBrowser();
        await b.csrf();
        return b;
      }),
    );
    const results = await Promise.all(browsers.map((b) => redeemLink(b, token)));
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(9);
    expect(await userCount(email)).toBe(1);
  });

  it("account recovery: a known user without their device signs in by link and is offered a new passkey", async () => {
    const { email } = await signUp();
    // The link is asked for and opened on the new device (the same browser), so the offer is made.
    const newDevice = new TestBrowser();
    const token = await requestLinkToken(newDevice, email, "/account", 2);
    const res = await redeemLink(newDevice, token);
    expect(res.headers.get("location")).toBe("/passkey/offer?return_to=%2Faccount");
    const offer = await newDevice.fetch("/passkey/offer?return_to=%2Faccount", { headers: { accept: "text/html" } });
    expect(await offer.text()).toContain("Create a passkey");
  });

  it("bad input: malformed email, missing CSRF, garbage tokens get clear 4xx", async () => {
    const browser = new TestBrowser();
    let res = await browser.postJson("/auth/email", { email: "not-an-address" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    res = await browser.postJson("/auth/email", { email: 42 });
    expect(res.status).toBe(400);
    res = await browser.fetch("/auth/email", { method: "POST", json: { email: "a@b.example" } });
    expect(res.status).toBe(403);
    res = await redeemLink(browser, "x".repeat(43));
    expect(res.status).toBe(400);
    res = await browser.fetch("/auth/link", { method: "POST", form: { token: "t" } });
    expect(res.status).toBe(403);
    res = await browser.fetch("/auth/link?token=short", { headers: { accept: "text/html" } });
    expect(res.status).toBe(400);
  });
});

describe("sessions", () => {
  it("sign out everywhere ends every session of the user at once", async () => {
    const { email, browser: a } = await signUp();
    const token = await requestLinkToken(a, email, undefined, 2);
    const b = new TestBrowser();
    expect((await redeemLink(b, token)).status).toBe(303);
    expect((await b.fetch("/account", { headers: { accept: "text/html" } })).status).toBe(200);
    const page = await (await a.fetch("/account", { headers: { accept: "text/html" } })).text();
    expect(page.match(/<li>/g)?.length).toBeGreaterThanOrEqual(2);
    const res = await a.fetch("/account/sessions/end-all", { method: "POST", form: { csrf: await a.csrf() } });
    expect(res.status).toBe(303);
    for (const browser of [a, b]) {
      const account = await browser.fetch("/account", { headers: { accept: "text/html" } });
      expect(account.status).toBe(302);
      expect(account.headers.get("location")).toContain("/signin");
    }
  });

  it("sign out ends only this session", async () => {
    const { email, browser: a } = await signUp();
    const token = await requestLinkToken(a, email, undefined, 2);
    const b = new TestBrowser();
    await redeemLink(b, token);
    expect((await a.fetch("/signout", { method: "POST", form: { csrf: await a.csrf() } })).status).toBe(303);
    expect((await a.fetch("/account", { headers: { accept: "text/html" } })).status).toBe(302);
    expect((await b.fetch("/account", { headers: { accept: "text/html" } })).status).toBe(200);
  });

  it("the session cookie is HttpOnly, SameSite=Lax, path / and holds no more than the user id and a secret", async () => {
    const browser = new TestBrowser();
    const email = uniqueEmail("cookie");
    const token = await requestLinkToken(browser, email);
    const res = await redeemLink(browser, token);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("lk_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
  });
});
