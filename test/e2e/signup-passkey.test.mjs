/** Sign up by emailed link, create a passkey, sign out, sign back in with it: in Chromium against `wrangler dev`. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  accountLists,
  assertSignedOut,
  confirmLink,
  createPasskey,
  newEmail,
  pathOf,
  requestMagicLink,
  signInWithPasskeyButton,
} from "./flows.mjs";
import { RESULTS_DIR, startStack, withBrowsers } from "./harness.mjs";

const TIMEOUT = 180_000;

describe("sign-up by magic link, then passkey sign-in", { timeout: TIMEOUT * 3 }, () => {
  let stack;
  const email = newEmail("alice");

  before(
    async () => {
      stack = await startStack("signup-passkey");
    },
    { timeout: TIMEOUT },
  );

  after(async () => {
    await stack?.stop();
  });

  test("a new person signs up by emailed link, creates a passkey, signs out and back in with it", {
    timeout: TIMEOUT,
  }, async (t) => {
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      const origin = stack.origin;

      await page.goto(`${origin}/signin`);
      const emailField = page.getByLabel("Email");
      assert.equal(
        await emailField.getAttribute("autocomplete"),
        "username webauthn",
        "the email field offers passkeys in autofill",
      );
      await page.screenshot({ path: join(RESULTS_DIR, "signin-page.png") });

      const { mail, link } = await requestMagicLink(page, stack, email);
      assert.match(mail.subject, /account/i, "a new address gets the account-creation mail");
      assert.match(mail.text, /works once/i);

      // A mail scanner fetching the link must not burn it (DESIGN flow 3): GET shows a page, nothing more.
      const scanned = await fetch(link, { headers: { Accept: "text/html" } });
      assert.equal(scanned.status, 200);
      assert.match(await scanned.text(), /Continue/);
      await page.goto(link);
      await page.getByRole("button", { name: "Continue" }).waitFor();
      await assertSignedOut(browser, origin);

      // The same link still works once the person presses Continue.
      await confirmLink(page, link);
      assert.equal(pathOf(page), "/passkey/offer", `a new account lands on the passkey offer, got ${page.url()}`);
      await page.getByRole("heading", { name: "Your account is ready" }).waitFor();
      await page.getByRole("link", { name: "Skip for now" }).waitFor();

      await createPasskey(browser);
      assert.equal(pathOf(page), "/account");
      let lists = await accountLists(page);
      assert.equal(lists.passkeys.length, 1, "the new passkey is listed");
      assert.equal(lists.sessions.length, 1);
      assert.match(lists.sessions[0], /email link/, "this session came from the emailed link");

      // A used link is spent: the page says so at once (its KV record is gone), or, while KV still holds the
      // record, pressing Continue is refused by the Durable Object and says so.
      await page.goto(link);
      const spent = page.getByRole("heading", { name: /already used|expired/ });
      const again = page.getByRole("button", { name: "Continue" });
      await spent.or(again).first().waitFor();
      if (await again.isVisible()) await again.click();
      await spent.waitFor();
      await page.goto(`${origin}/account`);

      await browser.presence(false); // keep the sign-in page's autofill request pending after the redirect
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await page.waitForURL((u) => u.pathname === "/signin");
      await assertSignedOut(browser, origin);

      await signInWithPasskeyButton(browser, `${origin}/signin?return_to=%2Faccount`);
      assert.equal(pathOf(page), "/account", `the passkey sign-in returns to the account page, got ${page.url()}`);
      await page.getByText(email).waitFor();
      lists = await accountLists(page);
      assert.equal(lists.passkeys.length, 1, "the account lists its one passkey");
      assert.match(lists.passkeys[0], /last used/, "the passkey shows it was used");
      assert.equal(lists.sessions.length, 1, "the signed-out session is gone; only this one is listed");
      assert.match(lists.sessions[0], /This device/);
      assert.match(lists.sessions[0], /with a passkey/);
    });
  });

  test("once a passkey exists, the sign-in page's autofill request signs the person in by itself", {
    timeout: TIMEOUT,
  }, async (t) => {
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      const origin = stack.origin;
      // A fresh browser: sign in by link (the account has a passkey, so no offer), create a passkey on this device too.
      await page.goto(`${origin}/signin`);
      const { link } = await requestMagicLink(page, stack, email);
      await confirmLink(page, link);
      assert.equal(pathOf(page), "/account", `an account with a passkey skips the offer, got ${page.url()}`);
      await page.getByRole("button", { name: "Add a passkey" }).click();
      await page.getByRole("list", { name: "Passkeys" }).getByRole("listitem").nth(1).waitFor({ timeout: 20_000 });
      assert.equal((await browser.credentials()).length, 1);

      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      // Automatic presence is on: conditional mediation picks the passkey, and the page continues to /account.
      await page.waitForURL((u) => u.pathname === "/account", { timeout: 20_000 });
      const lists = await accountLists(page);
      assert.equal(lists.passkeys.length, 2, "both devices' passkeys are listed");
      assert.ok(
        lists.sessions.some((s) => /This device/.test(s) && /with a passkey/.test(s)),
        "this session came from the passkey",
      );
    });
  });

  test("sign out everywhere ends the sessions of every browser", { timeout: TIMEOUT }, async (t) => {
    await withBrowsers(t, stack, 2, async (first, second) => {
      const origin = stack.origin;
      for (const b of [first, second]) {
        await b.presence(false);
        await b.page.goto(`${origin}/signin`);
        const { link } = await requestMagicLink(b.page, stack, email);
        await confirmLink(b.page, link);
        assert.equal(pathOf(b.page), "/account");
      }
      await first.page.reload();
      const { sessions } = await accountLists(first.page);
      assert.ok(sessions.length >= 2, `both browsers' sessions are listed (${sessions.length})`);

      await first.page.getByRole("button", { name: "Sign out everywhere" }).click();
      await first.page.waitForURL((u) => u.pathname === "/signin");
      await assertSignedOut(first, origin);
      await assertSignedOut(second, origin);
    });
  });
});
