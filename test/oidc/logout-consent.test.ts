import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { signJwt } from "../../src/oidc/own-tokens";
import { passkeySignIn, sessionAlive, userWithPasskey } from "../helpers/accounts";
import {
  authorizeCode,
  authorizePath,
  exchangeCode,
  expectTokens,
  ISSUER,
  pkce,
  redirectParams,
  registerClient,
  signInTokens,
  testEnv,
  userIdOf,
  userStub,
} from "../helpers/oidc-client";

const HTML = { accept: "text/html" };
const BYE = "https://rp.example/bye";

function logoutPath(params: Record<string, string>): string {
  return `/logout?${new URLSearchParams(params)}`;
}

describe("RP-Initiated Logout 1.0", () => {
  it("a valid id_token_hint and a registered post_logout_redirect_uri: the session ends in the DO and the browser returns with state", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ post_logout_redirect_uris: [BYE] });
    const { tokens } = await signInTokens(browser, client);
    const cookie = browser.sessionCookie!;
    const res = await browser.fetch(
      logoutPath({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE, state: "bye-state" }),
      { headers: HTML },
    );
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin + location.pathname).toBe(BYE);
    expect(location.searchParams.get("state")).toBe("bye-state");
    expect(browser.sessionCookie).toBeUndefined();
    // The old cookie is useless: the session is gone from the user's Durable Object, not just from the browser.
    expect(await sessionAlive(cookie)).toBe(false);
    expect((await browser.fetch("/account", { headers: HTML })).status).toBe(302);
  });

  it("a post_logout_redirect_uri with a query keeps it byte for byte; state is added after it (RFC 6749 §3.1.2)", async () => {
    const { browser } = await userWithPasskey();
    const withQuery = "https://rp.example/bye?tenant=a%20b&flag";
    const client = await registerClient({ post_logout_redirect_uris: [withQuery] });
    const { tokens } = await signInTokens(browser, client);
    const res = await browser.fetch(
      logoutPath({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: withQuery, state: "s 1" }),
      { headers: HTML },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${withQuery}&state=s+1`);
  });

  it("open redirect: an unregistered post_logout_redirect_uri gets a 400 page, no redirect, and the session stays", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ post_logout_redirect_uris: [BYE] });
    const { tokens } = await signInTokens(browser, client);
    for (const uri of ["https://evil.example/", `${BYE}/`, `${BYE}?x=1`]) {
      const res = await browser.fetch(logoutPath({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: uri }), {
        headers: HTML,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
    expect(await sessionAlive(browser.sessionCookie!)).toBe(true);
  });

  it("silent logout CSRF: without an id_token_hint a confirmation page is shown, and only its POST ends the session", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ post_logout_redirect_uris: [BYE] });
    const cookie = browser.sessionCookie!;
    const res = await browser.fetch(
      logoutPath({ client_id: client.client_id, post_logout_redirect_uri: BYE, state: "s1" }),
      { headers: HTML },
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Sign out?");
    expect(await sessionAlive(cookie)).toBe(true);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    // The confirmation without its CSRF token is refused.
    const forged = await browser.fetch("/logout", {
      method: "POST",
      form: { confirm: "yes", client_id: client.client_id, post_logout_redirect_uri: BYE },
      headers: HTML,
    });
    expect(forged.status).toBe(403);
    expect(await sessionAlive(cookie)).toBe(true);
    const confirmed = await browser.fetch("/logout", {
      method: "POST",
      form: { csrf, confirm: "yes", client_id: client.client_id, post_logout_redirect_uri: BYE, state: "s1" },
      headers: HTML,
    });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toBe(`${BYE}?state=s1`);
    expect(await sessionAlive(cookie)).toBe(false);
  });

  it("an id_token_hint for another user than the session's does not sign this one out silently", async () => {
    const alice = await userWithPasskey();
    const bob = await userWithPasskey();
    const client = await registerClient({ post_logout_redirect_uris: [BYE] });
    const { tokens } = await signInTokens(alice.browser, client);
    const res = await bob.browser.fetch(
      logoutPath({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE }),
      { headers: HTML },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Sign out?");
    expect(await sessionAlive(bob.browser.sessionCookie!)).toBe(true);
  });

  it("stale-hint logout CSRF: an ID token from an ended session of the same user does not sign out the new session without asking", async () => {
    const { browser, auth } = await userWithPasskey();
    const client = await registerClient({ post_logout_redirect_uris: [BYE] });
    const { tokens: old } = await signInTokens(browser, client);
    // That session ends; the person signs in again in the same browser.
    expect(
      (await browser.fetch("/signout", { method: "POST", form: { csrf: await browser.csrf() }, headers: HTML })).status,
    ).toBe(303);
    expect((await passkeySignIn(browser, auth)).status).toBe(200);
    const cookie = browser.sessionCookie!;
    const res = await browser.fetch(logoutPath({ id_token_hint: old.id_token!, post_logout_redirect_uri: BYE }), {
      headers: HTML,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Sign out?");
    expect(res.headers.get("location")).toBeNull();
    expect(await sessionAlive(cookie)).toBe(true);
  });

  it("expired-hint logout CSRF: a years-expired ID token without the live session's sid asks first; an expired one naming the live session signs out at once (§2: expired hints are hints)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ post_logout_redirect_uris: [BYE] });
    const { tokens } = await signInTokens(browser, client);
    const liveSid = decodeJwt(tokens.id_token!).sid as string;
    const config = getConfig(testEnv);
    const now = Date.now();
    const yearsAgo = Math.floor(now / 1000) - 3 * 365 * 24 * 3600;
    const expiredHint = (claims: Record<string, unknown>) =>
      signJwt(
        testEnv,
        config,
        "ES256",
        "JWT",
        { iss: ISSUER, sub: userIdOf(browser), aud: client.client_id, iat: yearsAgo, exp: yearsAgo + 300, ...claims },
        now,
      );
    const cookie = browser.sessionCookie!;
    for (const claims of [{ sid: "an-ended-session-sid" }, {}]) {
      const res = await browser.fetch(
        logoutPath({ id_token_hint: await expiredHint(claims), post_logout_redirect_uri: BYE }),
        { headers: HTML },
      );
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("Sign out?");
      expect(await sessionAlive(cookie)).toBe(true);
    }
    const res = await browser.fetch(
      logoutPath({ id_token_hint: await expiredHint({ sid: liveSid }), post_logout_redirect_uri: BYE }),
      { headers: HTML },
    );
    expect(res.status).toBe(303);
    expect(await sessionAlive(cookie)).toBe(false);
  });

  it("token confusion: an access token is not accepted as id_token_hint (RFC 8725 §3.11)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ post_logout_redirect_uris: [BYE] });
    const { tokens } = await signInTokens(browser, client);
    const res = await browser.fetch(logoutPath({ id_token_hint: tokens.access_token }), { headers: HTML });
    expect(res.status).toBe(400);
    expect(await sessionAlive(browser.sessionCookie!)).toBe(true);
  });

  it("a hint whose audience differs from client_id is refused", async () => {
    const { browser } = await userWithPasskey();
    const a = await registerClient({ post_logout_redirect_uris: [BYE] });
    const b = await registerClient({ post_logout_redirect_uris: [BYE] });
    const { tokens } = await signInTokens(browser, a);
    const res = await browser.fetch(
      logoutPath({ id_token_hint: tokens.id_token!, client_id: b.client_id, post_logout_redirect_uri: BYE }),
      { headers: HTML },
    );
    expect(res.status).toBe(400);
    expect(await sessionAlive(browser.sessionCookie!)).toBe(true);
  });
});

/** The consent page: checks it and returns the hidden rid and csrf. */
async function expectConsentPage(
  res: Response,
  clientName: string,
): Promise<{ rid: string; csrf: string; html: string }> {
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain(`Allow ${clientName}?`);
  const rid = /name="rid" value="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  expect(rid && csrf).toBeTruthy();
  return { rid: rid!, csrf: csrf!, html };
}

describe("consent for third-party clients (OIDC Core §3.1.2.4)", () => {
  it("the consent page lists the scopes; Allow returns a code, and the next authorization skips consent (remembered in the user's DO)", async () => {
    const { browser, email } = await userWithPasskey();
    const client = await registerClient({ first_party: false, client_name: "Third Party" });
    const verifier = await pkce();
    const page = await expectConsentPage(
      await browser.fetch(
        authorizePath(client, { pkce: verifier, scope: "openid email offline_access", state: "c1" }),
        { headers: HTML },
      ),
      "Third Party",
    );
    expect(page.html).toContain("See your email address");
    expect(page.html).toContain("Stay connected when you are not using it");
    expect(page.html).toContain(email);
    const allowed = await browser.fetch("/authorize/consent", {
      method: "POST",
      form: { csrf: page.csrf, rid: page.rid, decision: "allow" },
      headers: HTML,
    });
    const params = redirectParams(allowed);
    expect(params.state).toBe("c1");
    expect(params.iss).toBe(ISSUER);
    await expectTokens(
      await exchangeCode(client, { code: params.code!, state: "c1", nonce: "", pkce: verifier, params }),
    );
    expect((await userStub(userIdOf(browser)).getConsent(client.client_id)).sort()).toEqual([
      "email",
      "offline_access",
      "openid",
    ]);
    // Remembered: the same (or a narrower) request goes straight through.
    await authorizeCode(browser, client, { scope: "openid email" });
    await authorizeCode(browser, client, { scope: "openid email offline_access", extra: { prompt: "none" } });
  });

  it("Deny sends access_denied back with state and iss", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: false, client_name: "Third Party" });
    const page = await expectConsentPage(
      await browser.fetch(authorizePath(client, { pkce: await pkce(), state: "d1" }), { headers: HTML }),
      "Third Party",
    );
    const denied = await browser.fetch("/authorize/consent", {
      method: "POST",
      form: { csrf: page.csrf, rid: page.rid, decision: "deny" },
      headers: HTML,
    });
    const params = redirectParams(denied);
    expect(params).toMatchObject({ error: "access_denied", state: "d1", iss: ISSUER });
    expect(params.code).toBeUndefined();
    expect(await userStub(userIdOf(browser)).getConsent(client.client_id)).toEqual([]);
  });

  it("prompt=none when consent is needed gets consent_required (OIDC Core §3.1.2.6)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: false });
    const res = await browser.fetch(
      authorizePath(client, { pkce: await pkce(), extra: { prompt: "none" }, state: "n1" }),
      { headers: HTML },
    );
    expect(redirectParams(res)).toMatchObject({ error: "consent_required", state: "n1", iss: ISSUER });
  });

  it("a wider scope than was consented to, or prompt=consent, asks again", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: false, client_name: "Third Party" });
    const page = await expectConsentPage(
      await browser.fetch(authorizePath(client, { pkce: await pkce(), scope: "openid" }), { headers: HTML }),
      "Third Party",
    );
    redirectParams(
      await browser.fetch("/authorize/consent", {
        method: "POST",
        form: { csrf: page.csrf, rid: page.rid, decision: "allow" },
        headers: HTML,
      }),
    );
    await authorizeCode(browser, client, { scope: "openid" });
    await expectConsentPage(
      await browser.fetch(authorizePath(client, { pkce: await pkce(), scope: "openid email" }), { headers: HTML }),
      "Third Party",
    );
    await expectConsentPage(
      await browser.fetch(
        authorizePath(client, { pkce: await pkce(), scope: "openid", extra: { prompt: "consent" } }),
        { headers: HTML },
      ),
      "Third Party",
    );
  });

  it("a first-party client shows no consent page, unless the request says prompt=consent (OIDC Core §3.1.2.1)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: true, client_name: "Own App" });
    await authorizeCode(browser, client, { scope: "openid email profile" });
    const page = await expectConsentPage(
      await browser.fetch(
        authorizePath(client, { pkce: await pkce(), scope: "openid email", extra: { prompt: "consent" } }),
        { headers: HTML },
      ),
      "Own App",
    );
    const params = redirectParams(
      await browser.fetch("/authorize/consent", {
        method: "POST",
        form: { csrf: page.csrf, rid: page.rid, decision: "allow" },
        headers: HTML,
      }),
    );
    expect(params.error).toBeUndefined();
    expect(params.code).toBeTruthy();
  });

  it("silent offline access: a first-party client asking for offline_access gets the consent page first; Allow records it and later requests skip it (OIDC Core §11)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: true, client_name: "Own App" });
    const verifier = await pkce();
    const page = await expectConsentPage(
      await browser.fetch(
        authorizePath(client, { pkce: verifier, scope: "openid email offline_access", state: "o1" }),
        { headers: HTML },
      ),
      "Own App",
    );
    expect(page.html).toContain("Stay connected when you are not using it");
    expect(await userStub(userIdOf(browser)).getConsent(client.client_id)).toEqual([]);
    const params = redirectParams(
      await browser.fetch("/authorize/consent", {
        method: "POST",
        form: { csrf: page.csrf, rid: page.rid, decision: "allow" },
        headers: HTML,
      }),
    );
    const tokens = await expectTokens(
      await exchangeCode(client, { code: params.code!, state: "o1", nonce: "", pkce: verifier, params }),
    );
    expect(tokens.scope).toBe("openid email offline_access");
    expect(await userStub(userIdOf(browser)).getConsent(client.client_id)).toContain("offline_access");
    await authorizeCode(browser, client, { scope: "openid email offline_access", extra: { prompt: "none" } });
  });

  it("silent offline access: prompt=none gets consent_required, and Deny gets access_denied, so no offline grant exists without a yes", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: true, client_name: "Own App" });
    const none = await browser.fetch(
      authorizePath(client, {
        pkce: await pkce(),
        scope: "openid offline_access",
        extra: { prompt: "none" },
        state: "n2",
      }),
      { headers: HTML },
    );
    expect(redirectParams(none)).toMatchObject({ error: "consent_required", state: "n2", iss: ISSUER });
    const page = await expectConsentPage(
      await browser.fetch(authorizePath(client, { pkce: await pkce(), scope: "openid offline_access", state: "d2" }), {
        headers: HTML,
      }),
      "Own App",
    );
    const denied = redirectParams(
      await browser.fetch("/authorize/consent", {
        method: "POST",
        form: { csrf: page.csrf, rid: page.rid, decision: "deny" },
        headers: HTML,
      }),
    );
    expect(denied).toMatchObject({ error: "access_denied", state: "d2" });
    expect(denied.code).toBeUndefined();
    expect(await userStub(userIdOf(browser)).getConsent(client.client_id)).toEqual([]);
  });

  it("consent CSRF: an Allow without the page's token is refused and issues no code", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: false, client_name: "Third Party" });
    const page = await expectConsentPage(
      await browser.fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML }),
      "Third Party",
    );
    const forged = await browser.fetch("/authorize/consent", {
      method: "POST",
      form: { rid: page.rid, decision: "allow" },
      headers: HTML,
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.get("location")).toBeNull();
    const crossSite = await browser.fetch("/authorize/consent", {
      method: "POST",
      form: { csrf: page.csrf, rid: page.rid, decision: "allow" },
      headers: { ...HTML, origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect(await userStub(userIdOf(browser)).getConsent(client.client_id)).toEqual([]);
  });

  it("prompt=login bypass: posting Allow for a parked request does not stand in for the fresh sign-in", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: false, client_name: "Third Party" });
    const signin = await browser.fetch(authorizePath(client, { pkce: await pkce(), extra: { prompt: "login" } }), {
      headers: HTML,
    });
    expect(signin.status).toBe(200);
    const rid = /rid=([A-Za-z0-9_-]+)/.exec(await signin.text())![1]!;
    const res = await browser.fetch("/authorize/consent", {
      method: "POST",
      form: { csrf: await browser.csrf(), rid, decision: "allow" },
      headers: HTML,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/authorize/continue?rid=${rid}`);
    expect(await userStub(userIdOf(browser)).getConsent(client.client_id)).toEqual([]);
  });
});
