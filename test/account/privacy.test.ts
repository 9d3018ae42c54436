/** Privacy self-service: "Download my data" and "Delete my account" on the account page. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EXPORT_EVENTS_DAYS, EXPORT_EVENTS_MAX } from "../../src/account/data-export";
import { FRESH_SIGN_IN_MS } from "../../src/sessions/fresh-sign-in";
import {
  addPasskey,
  passkeySignIn,
  redeemLink,
  requestLinkToken,
  sessionAlive,
  signUp,
  userWithPasskey,
} from "../helpers/accounts";
import { waitForEvents } from "../helpers/audit-events";
import { TestBrowser } from "../helpers/browser";
import {
  ageSession,
  consentTo,
  refresh,
  registerClient,
  signInTokens,
  userIdOf,
  userStub,
} from "../helpers/oidc-client";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

const HTML = { accept: "text/html" };
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const DAY = 24 * 60 * 60 * 1000;

async function download(browser: TestBrowser, csrf?: string): Promise<Response> {
  const form: Record<string, string> = csrf === undefined ? { csrf: await browser.csrf() } : csrf ? { csrf } : {};
  return browser.fetch("/account/data", { method: "POST", form });
}

async function confirmDelete(browser: TestBrowser, email: string): Promise<Response> {
  return browser.fetch("/account/delete", {
    method: "POST",
    form: { csrf: await browser.csrf(), email },
    headers: HTML,
  });
}

async function insertEvent(row: {
  id: string;
  at: number;
  type: string;
  userId: string;
  actor: string;
  ip: string;
  userAgent?: string;
}): Promise<void> {
  await env.DB.prepare(
    "INSERT INTO audit_events (id, at, type, outcome, user_id, actor, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(row.id, row.at, row.type, "success", row.userId, row.actor, row.ip, row.userAgent ?? null, "{}")
    .run();
}

async function userRows(userId: string): Promise<{ users: unknown; credentials: unknown }> {
  return {
    users: await env.DB.prepare("SELECT count(*) AS n FROM users WHERE id = ?").bind(userId).first("n"),
    credentials: await env.DB.prepare("SELECT count(*) AS n FROM credentials WHERE user_id = ?")
      .bind(userId)
      .first("n"),
  };
}

/** The tombstone is written after the response (waitUntil): wait for it a little. */
async function tombstone(userId: string): Promise<Record<string, unknown> | null> {
  for (let i = 0; i < 50; i++) {
    const row = await env.DB.prepare("SELECT * FROM audit_events WHERE user_id = ? AND type = 'user.deleted'")
      .bind(userId)
      .first<Record<string, unknown>>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

describe("download my data", () => {
  it("the file holds the profile, passkeys, sessions, consents and own recent events, and no secret, public key or other person's data", async () => {
    const { browser, email, auth } = await userWithPasskey();
    const userId = userIdOf(browser);
    // A second passkey, removed again: a real passkey.removed event.
    const second = await SoftAuthenticator.create();
    await addPasskey(browser, second);
    const removed = await browser.fetch("/account/passkeys/delete", {
      method: "POST",
      form: { csrf: await browser.csrf(), id: second.credentialId! },
    });
    expect(removed.status).toBe(303);
    const client = await registerClient();
    await consentTo(browser, client, ["openid", "email", "offline_access"]);
    const { tokens } = await signInTokens(browser, client, { scope: "openid offline_access" });
    const other = await userWithPasskey();
    const otherId = userIdOf(other.browser);
    const now = Date.now();
    await insertEvent({
      id: `own-${userId}`,
      at: now - 1000,
      type: "signin.succeeded",
      userId,
      actor: "user",
      ip: "198.51.100.7",
    });
    await insertEvent({
      id: `admin-${userId}`,
      at: now - 2000,
      type: "user.disabled",
      userId,
      actor: `admin:${otherId}`,
      ip: "203.0.113.99",
      userAgent: "AdminBrowser/1.0",
    });
    await insertEvent({
      id: `old-${userId}`,
      at: now - (EXPORT_EVENTS_DAYS + 1) * DAY,
      type: "signin.succeeded",
      userId,
      actor: "user",
      ip: "198.51.100.8",
    });
    await insertEvent({
      id: `other-${otherId}`,
      at: now,
      type: "signin.succeeded",
      userId: otherId,
      actor: "user",
      ip: "192.0.2.44",
    });

    const res = await download(browser);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="latchkey-data-\d{4}-\d\d-\d\d\.json"$/,
    );
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    const data = JSON.parse(text);

    expect(data.profile).toMatchObject({ id: userId, email });
    expect(data.profile.createdAt).toMatch(RFC3339);
    expect(data.generatedAt).toMatch(RFC3339);
    expect(data.passkeys).toHaveLength(1);
    expect(data.passkeys[0]).toMatchObject({ id: auth.credentialId });
    expect(data.passkeys[0].createdAt).toMatch(RFC3339);
    expect(data.passkeys[0]).not.toHaveProperty("publicKey");
    expect(data.sessions.length).toBeGreaterThanOrEqual(2); // the sign-up browser's and this one
    expect(data.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(data.sessions[0].lastSeenAt).toMatch(RFC3339);
    expect(data.consents, JSON.stringify(data.consents)).toHaveLength(1);
    expect(data.consents[0]).toMatchObject({ clientId: client.client_id, clientName: "Test RP" });
    expect([...data.consents[0].scopes].sort()).toEqual(["email", "offline_access", "openid"]);
    expect(data.consents[0].grantedAt).toMatch(RFC3339);
    const events = data.events.items as Record<string, unknown>[];
    expect(data.events.window).toEqual({ days: EXPORT_EVENTS_DAYS, max: EXPORT_EVENTS_MAX });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(["passkey.removed", "signin.succeeded", "user.disabled"]),
    );
    expect(events.find((e) => e.id === `own-${userId}`)).toMatchObject({ actor: "user", ip: "198.51.100.7" });
    // An administrator's action on the account: that it happened, not who or from where.
    expect(events.find((e) => e.id === `admin-${userId}`)).toMatchObject({ actor: "admin", ip: null, userAgent: null });
    expect(events.find((e) => e.id === `old-${userId}`)).toBeUndefined();
    for (const e of events) expect(e.at).toMatch(RFC3339);

    // No secret hash, public key or other person's data anywhere in the file.
    const hashes = await runInDurableObject(userStub(userId), (_i, state) =>
      state.storage.sql
        .exec("SELECT secret_hash FROM sessions")
        .toArray()
        .map((r) => String(r.secret_hash)),
    );
    expect(hashes.length).toBeGreaterThanOrEqual(2);
    const refreshHashes = await runInDurableObject(userStub(userId), (_i, state) =>
      state.storage.sql
        .exec("SELECT hash FROM refresh_tokens")
        .toArray()
        .map((r) => String(r.hash)),
    );
    expect(refreshHashes.length).toBeGreaterThanOrEqual(1);
    for (const hash of [...hashes, ...refreshHashes]) expect(text).not.toContain(hash);
    expect(text).not.toContain(tokens.refresh_token!);
    expect(text).not.toContain(tokens.access_token);
    const cookieSecret = browser.sessionCookie!.slice(browser.sessionCookie!.indexOf(".") + 1);
    expect(text).not.toContain(cookieSecret);
    const publicKey = await env.DB.prepare("SELECT public_key FROM credentials WHERE id = ?")
      .bind(auth.credentialId)
      .first("public_key");
    expect(text).not.toContain(String(publicKey));
    for (const foreign of [otherId, other.email, "203.0.113.99", "AdminBrowser", "192.0.2.44"]) {
      expect(text).not.toContain(foreign);
    }
  });

  it("each download is audited as user.data_exported by the person; a refused one is not", async () => {
    const { browser } = await userWithPasskey();
    const userId = userIdOf(browser);
    expect((await download(browser, "")).status).toBe(403);
    expect((await download(browser)).status).toBe(200);
    const events = await waitForEvents("user.data_exported", userId);
    expect(events.map((e) => [e.actor, e.outcome])).toEqual([["user", "success"]]);
  });

  it("download CSRF: without the form's token, or from another site, it is refused (403) and gives nothing", async () => {
    const { browser } = await userWithPasskey();
    const noToken = await download(browser, "");
    expect(noToken.status).toBe(403);
    expect(noToken.headers.get("content-disposition")).toBeNull();
    const crossSite = await browser.fetch("/account/data", {
      method: "POST",
      form: { csrf: await browser.csrf() },
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("content-disposition")).toBeNull();
    expect((await download(new TestBrowser())).headers.get("content-disposition")).toBeNull();
  });

  it("the account page offers both, as plain forms and links (no script needed)", async () => {
    const { browser } = await userWithPasskey();
    const html = await (await browser.fetch("/account", { headers: HTML })).text();
    expect(html).toMatch(/<form method="post" action="\/account\/data"><input type="hidden" name="csrf" value="[^"]+"/);
    expect(html).toContain("Download my data");
    expect(html).toContain('href="/account/delete"');
  });
});

describe("delete my account", () => {
  it("stale sign-in: deletion asks for a new sign-in and deletes nothing; after one it comes back, confirms by address, and deletes", async () => {
    const { browser, email, auth } = await userWithPasskey();
    const userId = userIdOf(browser);
    const elsewhere = new TestBrowser();
    expect((await passkeySignIn(elsewhere, auth)).status).toBe(200);
    const client = await registerClient();
    await consentTo(browser, client);
    const { tokens } = await signInTokens(browser, client, { scope: "openid offline_access" });
    await ageSession(browser, FRESH_SIGN_IN_MS + 60_000);

    const ask = await browser.fetch("/account/delete", { headers: HTML });
    expect(ask.status).toBe(403);
    const askHtml = await ask.text();
    expect(askHtml).toContain("Sign in again");
    expect(askHtml).toContain('href="/signin?return_to=%2Faccount%2Fdelete"');
    const refused = await confirmDelete(browser, email);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Sign in again");
    expect(await userRows(userId)).toEqual({ users: 1, credentials: 1 });

    // Sign in again in this browser: back to the deletion page, which now asks for the address.
    const again = (await (await passkeySignIn(browser, auth, "/account/delete")).json()) as { redirect: string };
    expect(again.redirect).toBe("/account/delete");
    const confirm = await browser.fetch("/account/delete", { headers: HTML });
    expect(confirm.status).toBe(200);
    const confirmHtml = await confirm.text();
    expect(confirmHtml).toContain('<label for="confirm-email">');
    expect(confirmHtml).toContain('id="confirm-email" name="email"');
    expect(confirmHtml).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    const csp = confirm.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toContain("unsafe-inline");

    const wrong = await confirmDelete(browser, "someone-else@example.test");
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("Nothing was deleted");
    expect(await userRows(userId)).toEqual({ users: 1, credentials: 1 });

    const done = await confirmDelete(browser, ` ${email.toUpperCase()} `);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Your account was deleted");
    expect(done.headers.get("cache-control")).toBe("no-store");
    expect(browser.sessionCookie).toBeUndefined(); // the cookie was cleared
    expect(await userRows(userId)).toEqual({ users: 0, credentials: 0 });
    expect(await userStub(userId).listSessions(Date.now())).toEqual([]);
    expect(await sessionAlive(elsewhere.sessionCookie!)).toBe(false);
    expect((await refresh(client, tokens.refresh_token!)).status).toBe(400);
    const row = await tombstone(userId);
    expect(row).toMatchObject({ actor: "user", detail: "{}" });
    expect(JSON.stringify(row)).not.toContain(email);
  });

  it("a fresh sign-in: deletion from the account page's link works at once", async () => {
    const { browser, email } = await userWithPasskey();
    const userId = userIdOf(browser);
    expect((await browser.fetch("/account/delete", { headers: HTML })).status).toBe(200);
    expect((await confirmDelete(browser, email)).status).toBe(200);
    expect((await userRows(userId)).users).toBe(0);
    const after = await browser.fetch("/account", { headers: HTML });
    expect(after.status).toBe(302);
  });

  it("cross-device sign-in: a session made by a link opened in another browser cannot delete the account, however recent", async () => {
    const { browser: owner, email } = await signUp();
    const userId = userIdOf(owner);
    // The owner's browser asks for a link; it is opened in another browser (forwarded, or intercepted).
    const token = await requestLinkToken(owner, email, undefined, 2);
    const other = new TestBrowser();
    other.userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";
    expect((await redeemLink(other, token)).status).toBe(303);
    const page = await other.fetch("/account/delete", { headers: HTML });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Sign in again");
    expect((await confirmDelete(other, email)).status).toBe(403);
    expect((await userRows(userId)).users).toBe(1);
    expect(await sessionAlive(owner.sessionCookie!)).toBe(true);
  });

  it("delete CSRF: without the token, or from another site, it is refused (403) and deletes nothing", async () => {
    const { browser, email } = await userWithPasskey();
    const userId = userIdOf(browser);
    const noToken = await browser.fetch("/account/delete", { method: "POST", form: { email }, headers: HTML });
    expect(noToken.status).toBe(403);
    const crossSite = await browser.fetch("/account/delete", {
      method: "POST",
      form: { csrf: await browser.csrf(), email },
      headers: { ...HTML, origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect((await userRows(userId)).users).toBe(1);
  });

  it("signed out: the deletion page sends the visitor to sign in, and back", async () => {
    const res = await new TestBrowser().fetch("/account/delete", { headers: HTML });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/signin?return_to=%2Faccount%2Fdelete");
  });
});
