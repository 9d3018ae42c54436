/** Magic-link login CSRF / account swap (RFC 9700 §4.7): a link is bound to the browser that asked for it. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { redeemLink, requestLinkToken, uniqueEmail } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";
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

  it("permanent account swap: a cross-device link sign-in cannot add a passkey to the (maybe forwarded) account until the browser signs in on its own", async () => {
    const email = uniqueEmail("swap-lookalike");
    const victim = new TestBrowser();
    expect((await redeemLink(victim, await attackerLink(email, "/account"))).status).toBe(303);
    // The account page says a new sign-in is needed, and adding a passkey is refused at options and at verify.
    expect(await (await victim.fetch("/account", { headers: HTML })).text()).toContain("Sign in again");
    const options = await victim.postJson("/auth/passkey/register/options", {});
    expect(options.status).toBe(403);
    expect(((await options.json()) as { error: string }).error).toBe("reauth_required");
    // A link this browser asked for itself lifts it: it is no longer a cross-device session.
    expect((await redeemLink(victim, await requestLinkToken(victim, email, undefined, 2))).status).toBe(303);
    expect((await victim.postJson("/auth/passkey/register/options", {})).status).toBe(200);
  });

  it("owner coalesced behind a stranger's live link: the mailed link opened in the owner's browser is the owner's (no cross-device page, its own return_to)", async () => {
    const email = uniqueEmail("coalesced-owner");
    // A stranger asks first: the live link is bound to the stranger's browser and mailed to the owner.
    const token = await attackerLink(email, "/authorize/continue?rid=strangers-request");
    const owner = new TestBrowser();
    const res = await owner.fetch("/auth/email", {
      method: "POST",
      json: { email, return_to: "/account?from=owner" },
      headers: { "x-csrf-token": await owner.csrf() },
    } as RequestInit);
    expect(res.status).toBe(202);
    const page = await (await owner.fetch(`/auth/link?token=${token}`, { headers: HTML })).text();
    expect(page).toContain("Finish signing in");
    expect(page).not.toContain("Sign in on this device?");
    const signedIn = await redeemLink(owner, token);
    expect(signedIn.status).toBe(303);
    // The owner's own return_to, never the stranger's; a new account is offered a passkey.
    expect(signedIn.headers.get("location")).toBe(
      `/passkey/offer?return_to=${encodeURIComponent("/account?from=owner")}&new=1`,
    );
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
    expect(res.headers.get("location")).toBe(
      `/passkey/offer?return_to=${encodeURIComponent("/account?tab=devices")}&new=1`,
    );
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
