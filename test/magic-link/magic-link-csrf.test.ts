/** Magic-link login CSRF / account swap (RFC 9700 §4.7): a link is bound to the browser that asked for it. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TestBrowser } from "../helpers/browser";
import { redeemLink, requestLinkToken, uniqueEmail } from "../helpers/accounts";
import { extractLink, waitForMail } from "../helpers/mailbox";

const HTML = { accept: "text/html" };
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";

/** The attacker asks, from their own browser, for a link to their own (look-alike) address. */
async function attackerLink(email: string, returnTo: string, nth = 1): Promise<string> {
  const attacker = new TestBrowser();
  attacker.userAgent = FIREFOX_WINDOWS;
  const res = await attacker.fetch("/auth/email", {
    method: "POST",
    json: { email, return_to: returnTo },
    headers: { "x-csrf-token": await attacker.csrf() },
    cf: { country: "NL" },
  } as RequestInit);
  expect(res.status).toBe(202);
  const mail = await waitForMail(email, { count: nth });
  return new URL(extractLink(mail.text, "http://localhost:8787/auth/link")).searchParams.get("token")!;
}

describe("magic-link login CSRF (RFC 9700 §4.7)", () => {
  it("forwarded link opened in another browser: the full address and an explicit cross-device confirmation, no return_to, no passkey offer", async () => {
    const email = uniqueEmail("jane.doe-lookalike");
    const token = await attackerLink(email, "/authorize/continue?rid=attackers-parked-request");
    const victim = new TestBrowser();
    const page = await victim.fetch(`/auth/link?token=${token}`, { headers: HTML });
    expect(page.status).toBe(200);
    const html = await page.text();
    // The whole address, never j***@: the victim can see it is not theirs.
    expect(html).toContain(`<strong>${email}</strong>`);
    expect(html).not.toContain("***");
    // An explicit cross-device confirmation naming when, from what and where the link was asked for.
    expect(html).toContain("Sign in on this device?");
    expect(html).toContain("asked for in another browser");
    expect(html).toMatch(/<dt>Asked for<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/dd>/);
    expect(html).toContain("<dd>Firefox on Windows</dd>");
    expect(html).toContain("<dd>NL</dd>");
    expect(html).toContain("Yes, sign in on this device");

    const res = await redeemLink(victim, token);
    expect(res.status).toBe(303);
    // return_to (the attacker's parked request) is dropped and no passkey is offered for the attacker's account.
    expect(res.headers.get("location")).toBe("/account");
    const account = await victim.fetch("/account", { headers: HTML });
    expect(account.status).toBe(200);
    expect(await account.text()).toContain(email);
  });

  it("forwarded link for an existing account without a passkey: still no passkey offer in the other browser", async () => {
    const email = uniqueEmail("nopasskey");
    const owner = new TestBrowser();
    expect((await redeemLink(owner, await requestLinkToken(owner, email))).status).toBe(303);
    const token = await attackerLink(email, "/account", 2);
    const other = new TestBrowser();
    const res = await redeemLink(other, token);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/account");
  });

  it("same browser: straight through to return_to and the passkey offer, no cross-device question", async () => {
    const email = uniqueEmail("same");
    const browser = new TestBrowser();
    const token = await requestLinkToken(browser, email, "/account?tab=devices");
    const html = await (await browser.fetch(`/auth/link?token=${token}`, { headers: HTML })).text();
    expect(html).toContain("Finish signing in");
    expect(html).toContain(`<strong>${email}</strong>`);
    expect(html).not.toContain("another browser");
    const res = await redeemLink(browser, token);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/passkey/offer?return_to=${encodeURIComponent("/account?tab=devices")}&new=1`);
  });

  it("the record keeps only a hash of the browser binding, never the browser id itself", async () => {
    const email = uniqueEmail("hashed");
    const browser = new TestBrowser();
    await requestLinkToken(browser, email);
    const browserId = browser.cookies.get("lk_browser")!;
    expect(browserId).toBeTruthy();
    const keys = await env.KV.list({ prefix: "ml:" });
    const records = await Promise.all(keys.keys.map((k) => env.KV.get(k.name)));
    const mine = records.filter((r): r is string => !!r && r.includes(`"email":"${email}"`));
    expect(mine).toHaveLength(1);
    expect(mine[0]).not.toContain(browserId);
    expect(JSON.parse(mine[0]!).requestedBy.browserHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
