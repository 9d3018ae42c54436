/** A third-party relying party (openid-client v6, a real loopback redirect listener) signs a person in through Chromium. */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import * as client from "openid-client";
import { confirmLink, createPasskey, newEmail, pathOf, requestMagicLink } from "./flows.mjs";
import { ADMIN_TOKEN, startStack, withBrowsers } from "./harness.mjs";

const TIMEOUT = 180_000;

/** The relying party's redirect target: a real HTTP listener (page.route never sees redirect targets). */
async function startListener() {
  const waiters = [];
  const hits = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${server.address().port}`);
    hits.push(url);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(`<!doctype html><title>RP ${url.pathname}</title><h1>Relying party: ${url.pathname}</h1>`);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    callback: `${base}/callback`,
    loggedOut: `${base}/logged-out`,
    /** The first request to `pathname` received after `since` hits were already recorded. */
    async next(pathname, since, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = hits.slice(since).find((u) => u.pathname === pathname);
        if (hit) return hit;
        if (Date.now() > deadline)
          throw new Error(`the relying party got no ${pathname} request within ${timeoutMs} ms`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 250);
        });
      }
    },
    get count() {
      return hits.length;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

function jwtPart(jwt, i) {
  return JSON.parse(Buffer.from(jwt.split(".")[i], "base64url").toString("utf8"));
}

/** RFC 6749 error answers surface from openid-client as ResponseBodyError with the wire `error` code. */
async function rejectsWithOAuthError(promise, code, message) {
  await assert.rejects(
    promise,
    (err) => {
      assert.equal(err?.error, code, `${message}: expected ${code}, got ${err?.error ?? err}`);
      return true;
    },
    message,
  );
}

describe("OpenID Connect code flow with openid-client", { timeout: TIMEOUT * 2 }, () => {
  let stack;
  let rp;
  before(
    async () => {
      stack = await startStack("oidc-client");
      rp = await startListener();
    },
    { timeout: TIMEOUT },
  );
  after(async () => {
    await rp?.close();
    await stack?.stop();
  });

  test("register, sign in by link + passkey, exchange the code, verify the ID token, userinfo, refresh, SSO, end session", {
    timeout: TIMEOUT,
  }, async (t) => {
    const origin = stack.origin;
    const email = newEmail("carol");

    // RFC 7591 registration with the admin bearer token.
    const reg = await fetch(`${origin}/register`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        client_name: "E2E Relying Party",
        redirect_uris: [rp.callback],
        post_logout_redirect_uris: [rp.loggedOut],
        grant_types: ["authorization_code", "refresh_token"],
        token_endpoint_auth_method: "client_secret_basic",
      }),
    });
    assert.equal(reg.status, 201, `registration answered ${reg.status}: ${await reg.clone().text()}`);
    const info = await reg.json();
    assert.ok(info.client_id && info.client_secret, "a confidential client gets an id and a secret");

    const config = await client.discovery(
      new URL(origin),
      info.client_id,
      { client_secret: info.client_secret, id_token_signed_response_alg: info.id_token_signed_response_alg },
      client.ClientSecretBasic(info.client_secret),
      { execute: [client.allowInsecureRequests] },
    );
    // Verify the ID token's signature against jwks_uri, not only the TLS-less channel it came over.
    client.enableNonRepudiationChecks(config);
    assert.equal(config.serverMetadata().issuer, origin);

    /** Starts an authorization request; returns the URL and the checks to finish it with. */
    async function authorization(extra = {}) {
      const pkceCodeVerifier = client.randomPKCECodeVerifier();
      const expectedNonce = client.randomNonce();
      const expectedState = client.randomState();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: rp.callback,
        scope: "openid email offline_access",
        code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: "S256",
        nonce: expectedNonce,
        state: expectedState,
        ...extra,
      });
      return { url, checks: { pkceCodeVerifier, expectedNonce, expectedState, idTokenExpected: true } };
    }

    await withBrowsers(t, stack, 1, async (browser) => {
      const { page } = browser;
      // 1. First visit: no session, so the sign-in page names the client; the person signs up by emailed link.
      const first = await authorization();
      let seen = rp.count;
      await page.goto(first.url.href);
      await page.getByText("E2E Relying Party").first().waitFor();
      const { link } = await requestMagicLink(page, stack, email);
      await confirmLink(page, link);
      await createPasskey(browser);
      // A third-party client asks for consent once.
      await page.getByRole("heading", { name: /Allow E2E Relying Party/ }).waitFor();
      await page.getByRole("button", { name: "Allow" }).click();
      const callback = await rp.next("/callback", seen);
      assert.equal(callback.searchParams.get("iss"), origin, "RFC 9207 iss is in the authorization response");

      const tokens = await client.authorizationCodeGrant(config, callback, first.checks);
      const claims = tokens.claims();
      assert.ok(claims, "an ID token was returned");
      assert.equal(claims.iss, origin);
      assert.equal(claims.aud, info.client_id);
      assert.equal(claims.email, email);
      assert.equal(typeof claims.sub, "string");
      assert.ok(claims.sub.length > 0);
      assert.deepEqual(claims.amr, ["otp"], `RFC 8176 amr names the emailed link's one-time secret (${claims.amr})`);
      assert.equal(claims.acr, "email-link", "acr is the emailed link's class");
      assert.equal(jwtPart(tokens.id_token, 0).alg, info.id_token_signed_response_alg ?? "ES256");
      assert.equal(jwtPart(tokens.access_token, 0).typ.toLowerCase(), "at+jwt", "RFC 9068 §2.1 access token type");
      assert.ok(tokens.refresh_token, "offline_access with the refresh_token grant yields a refresh token");

      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.equal(userinfo.sub, claims.sub);
      assert.equal(userinfo.email, email);

      // 2. Refresh tokens rotate; presenting a spent one revokes the family (RFC 9700 §4.14.2).
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
      assert.ok(
        refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token,
        "the refresh token rotates",
      );
      const again = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
      assert.equal(again.email, email);
      await rejectsWithOAuthError(
        client.refreshTokenGrant(config, tokens.refresh_token),
        "invalid_grant",
        "a spent refresh token is refused",
      );
      await rejectsWithOAuthError(
        client.refreshTokenGrant(config, refreshed.refresh_token),
        "invalid_grant",
        "reuse revoked the whole family",
      );

      // 3. SSO: a second request in the same browser returns at once (session + remembered consent).
      const second = await authorization();
      seen = rp.count;
      await page.goto(second.url.href);
      const ssoCallback = await rp.next("/callback", seen);
      const ssoTokens = await client.authorizationCodeGrant(config, ssoCallback, second.checks);
      assert.equal(ssoTokens.claims().sub, claims.sub, "the same person");
      await client.fetchUserInfo(config, ssoTokens.access_token, claims.sub);

      // A code works once, and its replay revokes what it issued (RFC 6749 §4.1.2).
      await rejectsWithOAuthError(
        client.authorizationCodeGrant(config, ssoCallback, second.checks),
        "invalid_grant",
        "a replayed code is refused",
      );
      await assert.rejects(client.fetchUserInfo(config, ssoTokens.access_token, claims.sub), (err) => {
        assert.equal(err?.status, 401, `userinfo refuses the replayed code's access token (got ${err})`);
        return true;
      });
      await rejectsWithOAuthError(
        client.refreshTokenGrant(config, ssoTokens.refresh_token),
        "invalid_grant",
        "the replayed code's refresh token is revoked",
      );

      // 4. prompt=login forces a fresh sign-in: the passkey (autofill on this device) does it.
      const third = await authorization({ prompt: "login" });
      seen = rp.count;
      const shown = await page.goto(third.url.href);
      assert.equal(new URL(shown.url()).pathname, "/authorize", "prompt=login shows the sign-in page instead of SSO");
      const loginCallback = await rp.next("/callback", seen);
      await page.waitForURL((u) => u.pathname === "/callback");
      const loginTokens = await client.authorizationCodeGrant(config, loginCallback, third.checks);
      const loginClaims = loginTokens.claims();
      assert.equal(loginClaims.sub, claims.sub);
      assert.ok(loginClaims.auth_time >= claims.auth_time, "auth_time moved forward with the new sign-in");
      assert.deepEqual(
        loginClaims.amr,
        ["pop", "user", "mfa"],
        `RFC 8176 amr names the user-verified passkey sign-in (${loginClaims.amr})`,
      );
      assert.equal(loginClaims.acr, "passkey-uv", "acr is the user-verified passkey's class");

      // 5. RP-initiated logout with id_token_hint: straight back to the registered URI, session gone.
      const endUrl = client.buildEndSessionUrl(config, {
        id_token_hint: loginTokens.id_token,
        post_logout_redirect_uri: rp.loggedOut,
        state: "bye",
      });
      seen = rp.count;
      await page.goto(endUrl.href);
      const loggedOut = await rp.next("/logged-out", seen);
      assert.equal(loggedOut.searchParams.get("state"), "bye");
      await browser.presence(false);
      await page.goto(`${origin}/account`);
      assert.equal(pathOf(page), "/signin", "the provider session ended");

      // 6. Back by emailed link while a passkey exists: Continue's POST ends, through /authorize/continue, at the
      //    relying party. Chromium applies CSP form-action to the redirects after a form, so the link page names it.
      const fourth = await authorization();
      await page.goto(fourth.url.href);
      await page.getByText("E2E Relying Party").first().waitFor();
      const { link: secondLink } = await requestMagicLink(page, stack, email);
      seen = rp.count;
      await confirmLink(page, secondLink);
      const linkCallback = await rp.next("/callback", seen);
      assert.equal((await client.authorizationCodeGrant(config, linkCallback, fourth.checks)).claims().sub, claims.sub);

      // 7. RP-initiated logout without id_token_hint asks first; the confirmation's POST ends at the registered URI.
      const unhinted = client.buildEndSessionUrl(config, { post_logout_redirect_uri: rp.loggedOut, state: "asked" });
      await page.goto(unhinted.href);
      seen = rp.count;
      await page.getByRole("button", { name: "Sign out" }).click();
      const askedOut = await rp.next("/logged-out", seen);
      assert.equal(askedOut.searchParams.get("state"), "asked");
    });
  });
});
