/**
 * The admin console in Chromium against `wrangler dev`: a non-admin gets the 403 page, an admin (role granted through
 * the admin API) finds another user by email, ends their sessions (that browser is really signed out) and sees the
 * event in the audit log, disables and enables them, registers a client and rotates its secret, adds a webhook
 * endpoint, deletes the user after the confirmation step; every console page type passes axe-core, light and dark.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { assertSignedOut, confirmLink, newEmail, pathOf, requestMagicLink } from "./flows.mjs";
import { adminApi, startStack, withBrowsers } from "./harness.mjs";

const TIMEOUT = 240_000;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on the current page, in light and dark mode; fails with every violation and the nodes it found. */
async function assertAccessible(page, label) {
  for (const colorScheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme });
    // page.evaluate runs over CDP, so the page's CSP (no inline script) does not block the injected source.
    if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map(
        (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      );
    });
    assert.deepEqual(violations, [], `axe-core violations on ${label} (${colorScheme})`);
  }
  await page.emulateMedia({ colorScheme: null });
}

async function userIdOf(origin, email) {
  const { status, body } = await adminApi(origin, "GET", `/users?email=${encodeURIComponent(email)}`);
  assert.equal(status, 200);
  const user = body.data.find((u) => u.email === email);
  assert.ok(user, `${email} is a user`);
  return user.id;
}

/** Signs a new address up by emailed link in this browser (skipping the passkey offer) and returns the user's id. */
async function signUp(browser, stack, email) {
  const { page } = browser;
  await browser.presence(false);
  await page.goto(`${stack.origin}/signin`);
  const { link } = await requestMagicLink(page, stack, email);
  await confirmLink(page, link);
  await browser.presence(true);
  return userIdOf(stack.origin, email);
}

/** The first admin: PATCH /admin/api/users/{id} with the bootstrap token. */
async function grantAdmin(stack, id) {
  const patched = await adminApi(stack.origin, "PATCH", `/users/${id}`, { roles: ["admin"] });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body.roles, ["admin"]);
}

describe("admin console", { timeout: TIMEOUT * 3 }, () => {
  let stack;
  const adminEmail = newEmail("admin");
  const bobEmail = newEmail("bob");

  before(
    async () => {
      stack = await startStack("admin-console");
    },
    { timeout: TIMEOUT },
  );

  after(async () => {
    await stack?.stop();
  });

  test("signed out, /admin asks for a sign-in that returns to the console", { timeout: TIMEOUT }, async (t) => {
    await withBrowsers(t, stack, 1, async (browser) => {
      await browser.presence(false);
      await browser.page.goto(`${stack.origin}/admin/users?email=a`);
      const url = new URL(browser.page.url());
      assert.equal(url.pathname, "/signin");
      assert.equal(url.searchParams.get("return_to"), "/admin/users?email=a");
      // The admin API is not a browser path: no session is read and no cookie is set for it.
      const api = await fetch(`${stack.origin}/admin/api/users`);
      assert.equal(api.status, 401);
      assert.equal(api.headers.get("set-cookie"), null);
    });
  });

  test("an admin ends another user's sessions and sees it in the audit log; a non-admin gets 403", {
    timeout: TIMEOUT,
  }, async (t) => {
    await withBrowsers(t, stack, 2, async (admin, bob) => {
      const origin = stack.origin;
      const bobId = await signUp(bob, stack, bobEmail);
      const adminId = await signUp(admin, stack, adminEmail);
      const { page } = admin;

      // Not yet an admin: the 403 page, for every console path.
      for (const path of ["/admin", `/admin/users/${bobId}`]) {
        const res = await page.goto(`${origin}${path}`);
        assert.equal(res.status(), 403, `${path} answers 403 to a non-admin`);
        await page.getByRole("heading", { name: "No access to the admin console" }).waitFor();
      }
      await assertAccessible(page, "the 403 page");

      // The role is read on every request: granted now, the next page load opens the console.
      await grantAdmin(stack, adminId);
      await page.goto(`${origin}/admin`);
      assert.equal(pathOf(page), "/admin/users");
      await page.getByRole("heading", { name: "Users" }).waitFor();
      await assertAccessible(page, "the users table");

      // Find bob by a prefix of his email, typed and submitted with the keyboard.
      await page.getByLabel("Email starts with").fill(bobEmail.slice(0, 12));
      await page.getByLabel("Email starts with").press("Enter");
      await page.waitForURL((u) => u.searchParams.get("email") === bobEmail.slice(0, 12));
      const rows = page.getByRole("table").getByRole("row");
      assert.equal(await rows.count(), 2, "a header row and bob's row");
      await page.getByRole("link", { name: bobEmail }).click();
      assert.equal(pathOf(page), `/admin/users/${bobId}`);
      await page.getByRole("heading", { name: bobEmail }).waitFor();
      const sessions = page.getByRole("list", { name: "Sessions" }).getByRole("listitem");
      assert.equal(await sessions.count(), 1, "bob's one session is listed");
      await assertAccessible(page, "a user's page");

      await page.getByRole("button", { name: "End all sessions" }).click();
      await page.getByRole("status").filter({ hasText: "Every session of this user has ended." }).waitFor();
      assert.equal(await sessions.count(), 0, "no session is listed any more");
      // Really gone: bob's browser is signed out.
      await assertSignedOut(bob, origin);

      // The audit log shows it, with the admin as actor.
      await page.goto(`${origin}/admin/events`);
      await page.getByLabel("Type").selectOption("session.ended");
      await page.getByLabel("User id").fill(bobId);
      await page.getByRole("button", { name: "Filter" }).click();
      const event = page.getByRole("table").getByRole("row").filter({ hasText: "session.ended" });
      await event.first().waitFor();
      assert.match(await event.first().innerText(), new RegExp(`admin:${adminId}`));
      await assertAccessible(page, "the audit log");

      // Clients: register one (its secret shown once), rotate the secret (a new one, shown once).
      await page.getByRole("link", { name: "Clients" }).click();
      await page.getByRole("heading", { name: "Clients" }).waitFor();
      await assertAccessible(page, "the clients page");
      await page.getByLabel("Name").fill("Console test app");
      await page.getByLabel("Redirect URIs (one per line)").fill("https://app.example/callback");
      await page.getByLabel("Client authentication").selectOption("client_secret_basic");
      await page.getByRole("button", { name: "Register client" }).click();
      await page.getByRole("heading", { name: "Client registered" }).waitFor();
      const clientId = await page.locator("dl.facts dd").first().innerText();
      const firstSecret = await page.locator("dd.secret").innerText();
      assert.match(firstSecret, /^[A-Za-z0-9_-]{43}$/);
      await assertAccessible(page, "a client secret shown once");
      assert.equal((await adminApi(origin, "GET", `/clients/${clientId}`)).body.client_name, "Console test app");
      await page.goto(`${origin}/admin/clients`);
      await page.getByRole("button", { name: "Rotate secret of Console test app" }).click();
      await page.getByRole("heading", { name: "Secret rotated" }).waitFor();
      const rotated = await page.locator("dd.secret").innerText();
      assert.match(rotated, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(rotated, firstSecret);
      const { body: rotations } = await adminApi(origin, "GET", `/events?client_id=${clientId}`);
      assert.deepEqual(
        rotations.data.map((e) => [e.type, e.actor]),
        [
          ["client.secret_rotated", `admin:${adminId}`],
          ["client.registered", `admin:${adminId}`],
        ],
      );

      // Webhooks: add an endpoint (its signing secret shown once), open its deliveries.
      await page.getByRole("link", { name: "Webhooks" }).click();
      await page.getByRole("heading", { name: "Webhooks" }).waitFor();
      await assertAccessible(page, "the webhooks page");
      await page.getByLabel("URL").fill("https://hooks.example/latchkey");
      await page.getByLabel("user.deleted").check();
      await page.getByRole("button", { name: "Add endpoint" }).click();
      await page.getByRole("heading", { name: "Endpoint added" }).waitFor();
      assert.match(await page.locator("dd.secret").innerText(), /^whsec_/);
      await assertAccessible(page, "a signing secret shown once");
      await page.getByRole("link", { name: "See its deliveries" }).click();
      await page.getByRole("heading", { name: "Deliveries" }).waitFor();
      await assertAccessible(page, "an endpoint's deliveries");

      // Delete has a confirmation step; the confirmed delete removes bob.
      await page.goto(`${origin}/admin/users/${bobId}`);
      await page.getByRole("button", { name: "Disable user" }).click();
      await page.getByRole("status").filter({ hasText: "The user is disabled" }).waitFor();
      assert.equal((await adminApi(origin, "GET", `/users/${bobId}`)).body.disabled, true);
      await page.getByRole("button", { name: "Enable user" }).click();
      await page.getByRole("status").filter({ hasText: "The user is enabled" }).waitFor();
      assert.equal((await adminApi(origin, "GET", `/users/${bobId}`)).body.disabled, false);
      await page.getByRole("link", { name: "Delete user…" }).click();
      await page.getByRole("heading", { name: `Delete ${bobEmail}?` }).waitFor();
      await assertAccessible(page, "the delete confirmation");
      await page.getByRole("button", { name: "Delete this user" }).click();
      await page.getByRole("status").filter({ hasText: "The user has been deleted." }).waitFor();
      assert.equal((await adminApi(origin, "GET", `/users/${bobId}`)).status, 404);

      // A console form posted without this browser's CSRF token is refused.
      const forged = await page.request.post(`${origin}/admin/users/${adminId}/sessions/end`, {
        form: { csrf: "forged" },
        headers: { Origin: origin },
      });
      assert.equal(forged.status(), 403);
    });
  });
});
