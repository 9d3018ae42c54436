/** The demo relying party at /demo signs a new person in through the provider and shows the verified claims. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertSignedOut, confirmLink, newEmail, pathOf, requestMagicLink } from "./flows.mjs";
import { startStack, withBrowsers } from "./harness.mjs";

const TIMEOUT = 180_000;

describe("the demo relying party", { timeout: TIMEOUT * 2 }, () => {
  let stack;
  before(
    async () => {
      stack = await startStack("demo");
    },
    { timeout: TIMEOUT },
  );
  after(async () => {
    await stack?.stop();
  });

  test("signs in through Latchkey (emailed link, passkey skipped), shows the verified claims, signs out", {
    timeout: TIMEOUT,
  }, async (t) => {
    const origin = stack.origin;
    const email = newEmail("dave");
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await page.goto(`${origin}/demo`);
      await page.getByRole("link", { name: "Sign in with Latchkey" }).click();
      await page.waitForURL((u) => u.pathname === "/authorize");
      await page.getByText("Latchkey demo app").first().waitFor();

      const { link } = await requestMagicLink(page, stack, email);
      await confirmLink(page, link);
      assert.equal(pathOf(page), "/passkey/offer", `a new account is offered a passkey, got ${page.url()}`);
      await page.getByRole("link", { name: "Skip for now" }).click();

      // First-party client: no consent page; the parked request finishes at /demo/callback, which lands on /demo.
      await page.waitForURL((u) => u.pathname === "/demo", { timeout: 20_000 });
      await page.getByRole("heading", { name: "Verified ID token claims" }).waitFor();
      await page.getByText(`Signed in through Latchkey as ${email}`).waitFor();
      const claims = JSON.parse(await page.locator("#id-token-claims").innerText());
      assert.equal(claims.iss, origin);
      assert.equal(claims.aud, "latchkey-demo");
      assert.equal(claims.email, email);
      assert.ok(typeof claims.sub === "string" && claims.sub.length > 0);
      assert.ok(claims.exp > Date.now() / 1000, "the ID token has not expired");
      const userinfo = JSON.parse(await page.locator("#userinfo").innerText());
      assert.equal(userinfo.sub, claims.sub);
      assert.equal(userinfo.email, email);
      await page.getByText("refresh token: received").waitFor();

      // The demo's sign-out goes through RP-initiated logout with id_token_hint and comes back to /demo.
      await page.getByRole("button", { name: "Sign out of the demo" }).click();
      await page.waitForURL((u) => u.pathname === "/demo");
      await page.getByRole("link", { name: "Sign in with Latchkey" }).waitFor();
      await assertSignedOut(browser, origin);
    });
  });
});
