import { describe, expect, it } from "vitest";
import { passkeySignIn, userWithPasskey } from "../helpers/accounts";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import { userIdOf } from "../helpers/oidc-client";

const HTML = { accept: "text/html" };

function location(res: Response): URL {
  expect([302, 303], `expected a redirect, got ${res.status}`).toContain(res.status);
  return new URL(res.headers.get("location")!, ORIGIN);
}

/** Sends `browser` through /demo/login and a passkey sign-in; returns the callback URL the provider redirected to. */
async function demoSignIn(
  browser: TestBrowser,
  passkey: Awaited<ReturnType<typeof userWithPasskey>>["auth"],
): Promise<URL> {
  const authorize = location(await browser.fetch("/demo/login", { headers: HTML }));
  expect(authorize.pathname).toBe("/authorize");
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  const page = await browser.fetch(authorize.toString(), { headers: HTML });
  expect(page.status).toBe(200);
  const returnTo = /data-return-to="([^"]+)"/.exec(await page.text())![1]!;
  const signedIn = (await (await passkeySignIn(browser, passkey, returnTo)).json()) as { redirect: string };
  const callback = location(await browser.fetch(signedIn.redirect, { headers: HTML }));
  expect(callback.pathname).toBe("/demo/callback");
  return callback;
}

describe("the demo relying party (/demo)", () => {
  it("signs in through the provider: code + PKCE, verified ID token claims and userinfo on /demo; logout returns to /demo", async () => {
    const { auth: passkey, email } = await userWithPasskey();
    const browser = new TestBrowser();
    const callback = await demoSignIn(browser, passkey);
    expect(callback.searchParams.get("iss")).toBe(ORIGIN);
    const done = location(await browser.fetch(callback.pathname + callback.search, { headers: HTML }));
    expect(done.pathname).toBe("/demo");
    const page = await (await browser.fetch("/demo", { headers: HTML })).text();
    expect(page).toContain("Verified ID token claims");
    expect(page).toContain(email);
    expect(page).toContain(userIdOf(browser));
    expect(page).toContain("refresh token: received");

    // SSO: a second sign-in to the demo needs no UI.
    const again = location(
      await browser.fetch(location(await browser.fetch("/demo/login", { headers: HTML })).toString(), {
        headers: HTML,
      }),
    );
    expect(again.pathname).toBe("/demo/callback");

    const sessionCookie = browser.sessionCookie!;
    const logout = location(await browser.fetch("/demo/logout", { method: "POST", form: {}, headers: HTML }));
    expect(logout.pathname).toBe("/logout");
    expect(logout.searchParams.get("id_token_hint")).toBeTruthy();
    expect(logout.searchParams.get("post_logout_redirect_uri")).toBe(`${ORIGIN}/demo`);
    const back = location(await browser.fetch(logout.toString(), { headers: HTML }));
    expect(back.toString()).toBe(`${ORIGIN}/demo`);
    expect(browser.sessionCookie).toBeUndefined();
    const signedOut = await (await browser.fetch("/demo", { headers: HTML })).text();
    expect(signedOut).toContain("Sign in with Latchkey");
    expect(signedOut).not.toContain(email);
    // The provider session is over too, not just the demo's.
    const probe = new TestBrowser();
    probe.cookies.set("lk_session", sessionCookie);
    expect((await probe.fetch("/account", { headers: HTML })).status).toBe(302);
  });

  it("login CSRF: a callback whose state does not match the browser's transaction is refused", async () => {
    const { auth: passkey } = await userWithPasskey();
    const browser = new TestBrowser();
    const callback = await demoSignIn(browser, passkey);
    callback.searchParams.set("state", "attacker-state");
    const res = await browser.fetch(callback.pathname + callback.search, { headers: HTML });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("state does not match");
  });

  it("mix-up: a callback carrying another issuer's iss is refused (RFC 9207 §2.4)", async () => {
    const { auth: passkey } = await userWithPasskey();
    const browser = new TestBrowser();
    const callback = await demoSignIn(browser, passkey);
    callback.searchParams.set("iss", "https://evil.example");
    const res = await browser.fetch(callback.pathname + callback.search, { headers: HTML });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("iss does not match");
  });

  it("a callback from another browser (no transaction cookie) is refused", async () => {
    const { auth: passkey } = await userWithPasskey();
    const callback = await demoSignIn(new TestBrowser(), passkey);
    const res = await new TestBrowser().fetch(callback.pathname + callback.search, { headers: HTML });
    expect(res.status).toBe(400);
  });
});
