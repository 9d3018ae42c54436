/**
 * Magic-link lockout and inbox flooding: while a link for an address is live, requests from other browsers are
 * coalesced (the same 202, nothing mailed); only the browser the live link is bound to gets fresh ones, within
 * the per-address budget (5 per 15 minutes here); the per-address budget never answers 429.
 */
import { describe, expect, it } from "vitest";
import { redeemLink, uniqueEmail } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";
import { extractLink, listMail, waitForMail } from "../helpers/mailbox";

const ANSWER = {
  ok: true,
  message:
    "Check your email. If the address can be used here, a sign-in link is on its way; a link sent in the last 15 minutes also still works.",
};

async function ask(browser: TestBrowser, email: string): Promise<Response> {
  return browser.postJson("/auth/email", { email });
}

/** Waits until the mail for `email` has settled (every waitUntil send done) and returns how many arrived. */
async function settledCount(email: string): Promise<number> {
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const n = (await listMail(email)).length;
    if (n === last) return n;
    last = n;
  }
}

function tokenOf(text: string): string {
  return new URL(extractLink(text, "http://localhost:8787/auth/link")).searchParams.get("token")!;
}

describe("magic-link lockout and inbox flooding", () => {
  it("inbox flood: 20 strangers' browsers asking for one address mail a single link, each answered the same 202", async () => {
    const email = uniqueEmail("flooded");
    for (let i = 0; i < 20; i++) {
      const res = await ask(new TestBrowser(), email);
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual(ANSWER);
    }
    expect(await settledCount(email)).toBe(1);
  });

  it("race: 10 browsers asking at once for one address mail exactly one link (decided in the address's Durable Object)", async () => {
    const email = uniqueEmail("racing");
    const browsers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const b = new TestBrowser();
        await b.csrf();
        return b;
      }),
    );
    const results = await Promise.all(browsers.map((b) => ask(b, email)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(await settledCount(email)).toBe(1);
  });

  it("lockout: after a stranger spends the address's budget, the owner still gets 202 (never 429) and signs in with the mailed link", async () => {
    const email = uniqueEmail("lockedout");
    const stranger = new TestBrowser();
    for (let i = 0; i < 12; i++) {
      const res = await ask(stranger, email);
      expect(res.status, `stranger request ${i + 1}`).toBe(202);
    }
    // The stranger's browser got the first link and its re-sends up to the budget (5 per 15 minutes), then nothing.
    expect(await settledCount(email)).toBe(5);
    const owner = new TestBrowser();
    for (let i = 0; i < 3; i++) {
      const res = await ask(owner, email);
      expect(res.status).toBe(202);
      expect(res.headers.get("retry-after")).toBeNull();
    }
    // The owner opens the newest mail in their own browser. It asked for this address too (its requests were
    // coalesced), so this is not a cross-device sign-in: no warning, and it lands where it asked to go.
    const mails = await listMail(email);
    expect(mails).toHaveLength(5);
    const token = tokenOf(mails.at(-1)!.text);
    const confirm = await (await owner.fetch(`/auth/link?token=${token}`, { headers: { accept: "text/html" } })).text();
    expect(confirm).toContain("Finish signing in");
    expect(confirm).not.toContain("Sign in on this device?");
    const res = await redeemLink(owner, token);
    expect(res.status).toBe(303);
    expect(owner.sessionCookie).toBeDefined();
    // Using a link ends the live one: the owner's next request mails a link at once, bound to the owner's browser.
    expect((await ask(owner, email)).status).toBe(202);
    const fresh = await waitForMail(email, { count: 6 });
    const page = await (
      await owner.fetch(`/auth/link?token=${tokenOf(fresh.text)}`, { headers: { accept: "text/html" } })
    ).text();
    expect(page).toContain("Finish signing in");
  });

  it("re-send: the browser the live link is bound to gets a fresh link at once; another browser does not", async () => {
    const email = uniqueEmail("resend");
    const owner = new TestBrowser();
    expect((await ask(owner, email)).status).toBe(202);
    await waitForMail(email);
    expect((await ask(new TestBrowser(), email)).status).toBe(202);
    expect(await settledCount(email)).toBe(1);
    expect((await ask(owner, email)).status).toBe(202);
    const second = await waitForMail(email, { count: 2 });
    // The fresh link is the owner's own: opened in the owner's browser it goes straight through.
    const page = await (
      await owner.fetch(`/auth/link?token=${tokenOf(second.text)}`, { headers: { accept: "text/html" } })
    ).text();
    expect(page).toContain("Finish signing in");
  });
});
