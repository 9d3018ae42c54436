/**
 * Federation against the built worker under wrangler dev: a real OpenID Provider (oidc-provider) and a scripted
 * one (faults, GitHub's shapes) on loopback, driven in Chromium through Latchkey's sign-in page to the demo
 * relying party's callback.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertSignedOut, confirmLink, createPasskey, newEmail, pathOf, requestMagicLink } from "./flows.mjs";
import { adminApi, startStack, withBrowsers } from "./harness.mjs";
import { closedPort, startOidcProvider, startScriptedUpstream } from "./upstreams.mjs";

const TIMEOUT = 240_000;
const STEP = 20_000;
const CLIENT_ID = "latchkey-e2e";
const CLIENT_SECRET = "e2e-upstream-client-secret";

async function addConnection(origin, body) {
  const res = await adminApi(origin, "POST", "/connections", {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    trust_email_verified: true,
    ...body,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

async function userIdOf(origin, email) {
  const { body } = await adminApi(origin, "GET", `/users?email=${encodeURIComponent(email)}`);
  return body.data.find((u) => u.email === email)?.id ?? null;
}

async function events(origin, type) {
  const { status, body } = await adminApi(origin, "GET", `/events?type=${type}&limit=100`);
  assert.equal(status, 200);
  return body.data;
}

/** The development login and consent pages of oidc-provider. */
async function signInUpstream(page, login) {
  await page.locator('input[name="login"]').waitFor({ timeout: STEP });
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any");
  await page.locator('button[type="submit"]').click();
  await page.getByRole("button", { name: "Continue" }).click({ timeout: STEP });
}

/** From the demo's sign-in link to Latchkey's sign-in page, then "Continue with <name>". */
async function demoThroughProvider(page, origin, name) {
  await page.goto(`${origin}/demo`);
  await page.getByRole("link", { name: "Sign in with Latchkey" }).click();
  await page.waitForURL((u) => u.pathname === "/authorize", { timeout: STEP });
  await page.getByRole("link", { name: `Continue with ${name}` }).click();
}

async function demoClaims(page) {
  await page.waitForURL((u) => u.pathname === "/demo", { timeout: STEP });
  await page.getByRole("heading", { name: "Verified ID token claims" }).waitFor({ timeout: STEP });
  return JSON.parse(await page.locator("#id-token-claims").innerText());
}

describe("federation", { timeout: TIMEOUT * 6 }, () => {
  let stack;
  let idp;
  let scripted;
  before(
    async () => {
      stack = await startStack("federation");
      const redirectUri = `${stack.origin}/auth/federation/callback/test-idp`;
      idp = await startOidcProvider({ redirectUri, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
      scripted = await startScriptedUpstream({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
      await addConnection(stack.origin, { id: "test-idp", display_name: "Test IdP", type: "oidc", issuer: idp.issuer });
      for (const mode of ["ok", "denied", "nonce", "issuer", "audience", "expired", "signature", "slow"]) {
        const issuer = `${scripted.origin}/${mode}`;
        await addConnection(stack.origin, { id: `fault-${mode}`, display_name: `Fault ${mode}`, type: "oidc", issuer });
      }
      const down = `http://127.0.0.1:${await closedPort()}`;
      await addConnection(stack.origin, { id: "down-idp", display_name: "Down IdP", type: "oidc", issuer: down });
      for (const mode of ["gh-verified", "gh-unverified"]) {
        const issuer = `${scripted.origin}/${mode}`;
        await addConnection(stack.origin, { id: mode, display_name: mode, preset: "github", issuer });
      }
    },
    { timeout: TIMEOUT },
  );
  after(async () => {
    await idp?.stop();
    await scripted?.stop();
    await stack?.stop();
  });

  test("a new person signs up through the provider (amr fed), is offered a passkey, and comes back", {
    timeout: TIMEOUT,
  }, async (t) => {
    const origin = stack.origin;
    const email = newEmail("fed-new");
    idp.accounts.set("alice", { email, email_verified: true, name: "Alice Upstream" });
    let sub;
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      const started = Date.now();
      await demoThroughProvider(page, origin, "Test IdP");
      await signInUpstream(page, "alice");
      await page.waitForURL((u) => u.pathname === "/passkey/offer", { timeout: STEP });
      await page.getByRole("link", { name: "Skip for now" }).click();
      const claims = await demoClaims(page);
      assert.deepEqual(claims.amr, ["fed"]);
      assert.equal(claims.acr, "federated");
      assert.equal(claims.email, email);
      assert.ok(claims.auth_time * 1000 >= started - 2000, "auth_time is this sign-in's");
      sub = claims.sub;
    });
    const created = (await events(origin, "user.created")).find((e) => e.user_id === sub);
    assert.equal(created?.detail.method, "federation");
    assert.equal(created?.detail.connection, "test-idp");
    // Returning, in another browser: the same account, no new user.
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await demoThroughProvider(page, origin, "Test IdP");
      await signInUpstream(page, "alice");
      await page.waitForURL((u) => u.pathname === "/passkey/offer", { timeout: STEP });
      await createPasskey(browser);
      const claims = await demoClaims(page);
      assert.equal(claims.sub, sub);

      // The account page lists the provider; it can be unlinked (a passkey remains) and linked again.
      await page.goto(`${origin}/account`);
      const linked = page.getByRole("list", { name: "Linked providers" }).getByRole("listitem");
      assert.match(await linked.first().innerText(), /Test IdP/);
      await page.getByRole("button", { name: "Unlink Test IdP" }).click();
      await page.getByText("Provider unlinked.").waitFor({ timeout: STEP });
      assert.equal(await linked.count(), 0);
      await page.getByRole("link", { name: "Add Test IdP" }).click();
      await page.waitForURL((u) => u.pathname === "/account" || u.href.startsWith(idp.issuer), { timeout: STEP });
      if (page.url().startsWith(idp.issuer)) {
        const login = page.locator('input[name="login"]');
        if (await login.isVisible().catch(() => false)) await signInUpstream(page, "alice");
        else await page.getByRole("button", { name: "Continue" }).click({ timeout: STEP });
      }
      await page.getByText("Provider linked").waitFor({ timeout: STEP });
      assert.equal(await linked.count(), 1);
    });
    const unlinked = (await events(origin, "federation.unlinked")).filter((e) => e.user_id === sub);
    assert.equal(unlinked.length, 1);
    // The first browser's session came through the identity: unlinking ended it (not the session that unlinked).
    assert.equal(unlinked[0].detail.sessions_ended, 1);
    // The owner is told of each change to the ways in.
    for (const subject of [/Test IdP was unlinked from/, /Test IdP was linked to/]) {
      const deadline = Date.now() + 10_000;
      while (!stack.mailbox.messages.some((m) => m.to.includes(email) && subject.test(m.subject))) {
        assert.ok(Date.now() < deadline, `a mail to ${email} matching ${subject}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const signIns = (await events(origin, "signin.succeeded")).filter((e) => e.user_id === sub);
    assert.equal(signIns.length, 2);
    assert.ok(signIns.every((e) => e.detail.method === "federation" && e.detail.connection === "test-idp"));
  });

  test("a verified, trusted email links to the existing passkey account", { timeout: TIMEOUT }, async (t) => {
    const origin = stack.origin;
    const email = newEmail("fed-link");
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await page.goto(`${origin}/signin`);
      const { link } = await requestMagicLink(page, stack, email);
      await confirmLink(page, link);
      await createPasskey(browser);
    });
    const userId = await userIdOf(origin, email);
    assert.ok(userId);
    idp.accounts.set("bob", { email, email_verified: true });
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await demoThroughProvider(page, origin, "Test IdP");
      await signInUpstream(page, "bob");
      const claims = await demoClaims(page);
      assert.equal(claims.sub, userId, "signed in to the account that has the address");
      assert.deepEqual(claims.amr, ["fed"]);
    });
    const linked = (await events(origin, "federation.linked")).find((e) => e.user_id === userId);
    assert.equal(linked?.detail.automatic, true);
  });

  test("an unverified email never links: the address is proven by an emailed link first", {
    timeout: TIMEOUT,
  }, async (t) => {
    const origin = stack.origin;
    const email = newEmail("fed-unverified");
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await page.goto(`${origin}/signin`);
      const { link } = await requestMagicLink(page, stack, email);
      await confirmLink(page, link);
    });
    const userId = await userIdOf(origin, email);
    idp.accounts.set("mallory", { email, email_verified: false });
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await demoThroughProvider(page, origin, "Test IdP");
      await signInUpstream(page, "mallory");
      await page.waitForURL((u) => u.pathname === "/auth/federation/link", { timeout: STEP });
      await page.getByText(`first prove that ${email} is yours`).waitFor({ timeout: STEP });
      assert.equal(await page.getByLabel("Email").inputValue(), email, "the address is filled in");
      // Nothing is linked and nobody is signed in until the address is proven.
      assert.equal((await events(origin, "federation.linked")).filter((e) => e.user_id === userId).length, 0);
      const { link } = await requestMagicLink(page, stack, email);
      await confirmLink(page, link);
      if (pathOf(page) === "/passkey/offer") await page.getByRole("link", { name: "Skip for now" }).click();
      await page.getByRole("button", { name: "Link Test IdP" }).click({ timeout: STEP });
      const claims = await demoClaims(page);
      assert.equal(claims.sub, userId);
    });
    const linked = (await events(origin, "federation.linked")).find((e) => e.user_id === userId);
    assert.equal(linked?.detail.automatic, false);
    // Linked now: the provider alone signs this person in.
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await demoThroughProvider(page, origin, "Test IdP");
      await signInUpstream(page, "mallory");
      if (pathOf(page) === "/passkey/offer") await page.getByRole("link", { name: "Skip for now" }).click();
      const claims = await demoClaims(page);
      assert.equal(claims.sub, userId);
    });
  });

  test("GitHub: a verified primary email signs up; an unverified one does not link", {
    timeout: TIMEOUT,
  }, async (t) => {
    const origin = stack.origin;
    const verified = newEmail("gh-verified");
    const existing = newEmail("gh-existing");
    scripted.emails.github["gh-verified"] = verified;
    scripted.emails.github["gh-unverified"] = existing;
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await page.goto(`${origin}/signin`);
      const { link } = await requestMagicLink(page, stack, existing);
      await confirmLink(page, link);
    });
    const existingId = await userIdOf(origin, existing);
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await demoThroughProvider(page, origin, "gh-verified");
      await page.waitForURL((u) => u.pathname === "/passkey/offer", { timeout: STEP });
      await page.getByRole("link", { name: "Skip for now" }).click();
      const claims = await demoClaims(page);
      assert.equal(claims.email, verified, "the verified primary address, not the secondary one");
    });
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await demoThroughProvider(page, origin, "gh-unverified");
      await page.waitForURL((u) => u.pathname === "/auth/federation/link", { timeout: STEP });
      await page.getByText(`first prove that ${existing} is yours`).waitFor({ timeout: STEP });
    });
    assert.equal((await events(origin, "federation.linked")).filter((e) => e.user_id === existingId).length, 0);
    assert.equal((await events(origin, "signin.succeeded")).filter((e) => e.user_id === existingId).length, 1);
  });

  // [what, connection, status, words on the page, audit reason, what the audit event says upstream did wrong]
  const faults = [
    ["denied", "fault-denied", 400, "cancelled or refused", "denied", /access_denied/],
    ["a wrong nonce", "fault-nonce", 400, "could not be trusted", "invalid", /"nonce"/],
    ["the wrong issuer", "fault-issuer", 400, "could not be trusted", "invalid", /"iss"/],
    ["the wrong audience", "fault-audience", 400, "could not be trusted", "invalid", /"aud"/],
    ["an expired ID token", "fault-expired", 400, "could not be trusted", "invalid", /"exp"/],
    ["a bad signature", "fault-signature", 400, "could not be trusted", "invalid", /signature/],
    ["a slow provider (timeout)", "fault-slow", 502, "did not answer in time", "unavailable", /did not answer/],
    ["a provider that is down", "down-idp", 502, "did not answer in time", "unavailable", /did not answer/],
  ];
  for (const [what, id, status, words, reason, upstream] of faults) {
    test(`fails clearly on ${what}: the sign-in page, an audit event, no session`, { timeout: TIMEOUT }, async (t) => {
      const origin = stack.origin;
      await withBrowsers(t, stack, 1, async (browser) => {
        const { page } = browser;
        const res = await page.goto(`${origin}/auth/federation/${id}/start?return_to=%2Faccount`);
        assert.equal(res.status(), status, `${what}: ${res.url()}`);
        await page.getByText(words).waitFor({ timeout: STEP });
        // The other ways in are offered.
        await page.getByRole("button", { name: "Sign in with a passkey" }).waitFor({ timeout: STEP });
        await page.getByRole("button", { name: "Email me a sign-in link" }).waitFor({ timeout: STEP });
        await assertSignedOut(browser, origin);
      });
      const failed = await events(origin, "signin.failed");
      const mine = failed.filter((e) => e.detail.method === "federation" && e.detail.connection === id);
      assert.equal(mine.length, 1, `one signin.failed event for ${id}`);
      assert.equal(mine[0].detail.reason, reason);
      assert.match(mine[0].detail.upstream, upstream);
      assert.equal(mine[0].user_id, null, "nobody was signed in, nobody created");
    });
  }

  test("a replayed or missing state is refused", { timeout: TIMEOUT }, async (t) => {
    const origin = stack.origin;
    scripted.emails.ok = newEmail("fed-ok");
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      await page.goto(`${origin}/auth/federation/fault-ok/start?return_to=%2Faccount`);
      await page.waitForURL((u) => u.pathname === "/passkey/offer", { timeout: STEP });
      const callback = scripted.callbacks.at(-1);
      const replay = await page.goto(callback);
      assert.equal(replay.status(), 400);
      await page.getByText("expired or was already used").waitFor({ timeout: STEP });
      const missing = await page.goto(`${origin}/auth/federation/callback/fault-ok?code=abc`);
      assert.equal(missing.status(), 400);
    });
    const reasons = (await events(origin, "signin.failed")).map((e) => e.detail.reason);
    assert.ok(reasons.filter((r) => r === "state_invalid").length >= 2);
  });

  test("mix-up: an answer at another connection's redirect URI is refused (RFC 9700 §4.4)", {
    timeout: TIMEOUT,
  }, async (t) => {
    const origin = stack.origin;
    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      // A flow to fault-ok started in this browser (its cookies), stopped at the provider's authorization URL.
      const start = await page
        .context()
        .request.get(`${origin}/auth/federation/fault-ok/start?return_to=%2Faccount`, { maxRedirects: 0 });
      assert.equal(start.status(), 302);
      const toProvider = new URL(start.headers().location);
      assert.equal(toProvider.searchParams.get("redirect_uri"), `${origin}/auth/federation/callback/fault-ok`);
      const state = toProvider.searchParams.get("state");
      // Its state comes back to gh-verified's callback, as a malicious provider relaying another's code would send it.
      const res = await page.goto(`${origin}/auth/federation/callback/gh-verified?code=relayed&state=${state}`);
      assert.equal(res.status(), 400);
      await page.getByText("could not be trusted").waitFor({ timeout: STEP });
      await assertSignedOut(browser, origin);
    });
    const failed = (await events(origin, "signin.failed")).filter((e) => e.detail.connection === "fault-ok");
    assert.ok(failed.some((e) => e.detail.reason === "invalid" && /callback of gh-verified/.test(e.detail.upstream)));
    assert.equal(
      scripted.tokenRequests.filter((r) => r.code === "relayed").length,
      0,
      "the relayed code reached no token endpoint",
    );
  });
});
