/**
 * Disable and delete take effect at once, through a real OIDC flow: refresh tokens are refused (invalid_grant,
 * RFC 6749 §5.2), access tokens at /userinfo (401, RFC 6750 §3.1), the session cookie signs nobody in and issues
 * no code, and a passkey or link sign-in is refused with a clear message. Enable restores sign-in only.
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT_DISABLED } from "../../../src/signin/start-session";
import { passkeySignIn, redeemLink, sessionAlive, storedLinkFor, userWithPasskey } from "../../helpers/accounts";
import { adminCall } from "../../helpers/admin-api";
import { waitForEvents } from "../../helpers/audit-events";
import { TestBrowser } from "../../helpers/browser";
import {
  authorizeCode,
  authorizePath,
  consentTo,
  exchangeCode,
  refresh,
  registerClient,
  signInTokens,
  type TestClient,
  userIdOf,
  userinfo,
} from "../../helpers/oidc-client";

async function expectInvalidGrant(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe("invalid_grant");
}

/** A signed-in user with tokens (offline_access: the grant outlives the session, so only the disable ends it). */
async function userWithTokens() {
  const { browser, auth, email } = await userWithPasskey();
  const client = await registerClient();
  await consentTo(browser, client);
  const { tokens } = await signInTokens(browser, client, { scope: "openid email offline_access" });
  expect((await userinfo(tokens.access_token)).status).toBe(200);
  // A code issued before the change and not yet redeemed.
  const pending = await authorizeCode(browser, client);
  return { browser, auth, email, client, tokens, pending, id: userIdOf(browser), cookie: browser.sessionCookie! };
}

/** /authorize with the old session cookie issues no code: the person is asked to sign in. */
async function expectNoCode(browser: TestBrowser, client: TestClient): Promise<void> {
  const res = await browser.fetch(authorizePath(client), { headers: { accept: "text/html" } });
  expect(res.headers.get("location") ?? "").not.toContain("code=");
  expect(await res.text()).not.toContain("code=");
}

describe("disabling a user", () => {
  it("ends sessions, refresh and access tokens at once; sign-in says so; enable restores sign-in only", async () => {
    const u = await userWithTokens();
    const res = await adminCall("PATCH", `/users/${u.id}`, { disabled: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: u.id, disabled: true });

    await expectInvalidGrant(await refresh(u.client, u.tokens.refresh_token!));
    expect((await userinfo(u.tokens.access_token)).status).toBe(401);
    await expectInvalidGrant(await exchangeCode(u.client, u.pending));
    expect(await sessionAlive(u.cookie)).toBe(false);
    await expectNoCode(u.browser, u.client);
    expect(((await adminCall("GET", `/users/${u.id}/sessions`)).body as { data: unknown[] }).data).toEqual([]);

    // Passkey: the JSON answer says why. Link: a page that says so, and the link stays unspent.
    const passkeyBrowser = new TestBrowser();
    const refused = await passkeySignIn(passkeyBrowser, u.auth);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "account_disabled", message: ACCOUNT_DISABLED });
    expect(passkeyBrowser.sessionCookie).toBeUndefined();
    const linkBrowser = new TestBrowser();
    const token = await storedLinkFor(linkBrowser, u.email, u.id);
    const page = await redeemLink(linkBrowser, token);
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain("This account is disabled");
    expect(html).not.toContain("Something went wrong");
    expect(linkBrowser.sessionCookie).toBeUndefined();

    const [disabled] = await waitForEvents("user.disabled", u.id);
    expect(disabled!.actor).toBe("admin:token");
    expect(JSON.parse(disabled!.detail)).toMatchObject({ sessions_ended: 2 }); // the sign-up browser and the passkey one

    const enabled = await adminCall("PATCH", `/users/${u.id}`, { disabled: false });
    expect(enabled.body).toMatchObject({ disabled: false });
    // What the disable ended stays ended.
    await expectInvalidGrant(await refresh(u.client, u.tokens.refresh_token!));
    expect((await userinfo(u.tokens.access_token)).status).toBe(401);
    expect(await sessionAlive(u.cookie)).toBe(false);
    // Sign-in works again: the passkey, and the very link the disabled account could not use.
    expect((await passkeySignIn(new TestBrowser(), u.auth)).status).toBe(200);
    expect((await redeemLink(linkBrowser, token)).status).toBe(303);
    expect(await sessionAlive(linkBrowser.sessionCookie!)).toBe(true);
    expect(await waitForEvents("user.enabled", u.id)).toHaveLength(1);
  });
});

describe("deleting a user", () => {
  it("ends sessions, refresh and access tokens at once; the passkey and a live link no longer sign in", async () => {
    const u = await userWithTokens();
    const linkBrowser = new TestBrowser();
    const token = await storedLinkFor(linkBrowser, u.email, u.id);
    expect((await adminCall("DELETE", `/users/${u.id}`)).status).toBe(204);

    await expectInvalidGrant(await refresh(u.client, u.tokens.refresh_token!));
    expect((await userinfo(u.tokens.access_token)).status).toBe(401);
    await expectInvalidGrant(await exchangeCode(u.client, u.pending));
    expect(await sessionAlive(u.cookie)).toBe(false);
    await expectNoCode(u.browser, u.client);

    const passkeyBrowser = new TestBrowser();
    expect((await passkeySignIn(passkeyBrowser, u.auth)).status).toBe(400);
    expect(passkeyBrowser.sessionCookie).toBeUndefined();
    // A link mailed to the deleted account signs nobody in (it does not bring the account back).
    expect((await redeemLink(linkBrowser, token)).status).toBe(400);
    expect(linkBrowser.sessionCookie).toBeUndefined();
    expect((await adminCall("GET", `/users/${u.id}`)).status).toBe(404);
  });
});
