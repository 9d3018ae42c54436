import { describe, expect, it } from "vitest";
import { passkeySignIn, redeemLink, requestLinkToken, uniqueEmail, userWithPasskey } from "../helpers/accounts";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import {
  ageSession,
  authorizeCode,
  authorizeParams,
  authorizePath,
  consentTo,
  exchangeCode,
  expectTokens,
  ISSUER,
  pkce,
  REDIRECT_URI,
  redirectParams,
  registerClient,
  signInTokens,
  verifyJwt,
} from "../helpers/oidc-client";

const HTML = { accept: "text/html" };

/** RFC 6749 §4.1.2.1: an error shown on Latchkey's own page, not sent anywhere. */
async function expectErrorPage(res: Response): Promise<string> {
  expect(res.status).toBe(400);
  expect(res.headers.get("location")).toBeNull();
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  return res.text();
}

/** The sign-in page for a parked request: returns its continuation (`/authorize/continue?rid=…`). */
async function expectSignInPage(res: Response): Promise<{ returnTo: string; html: string }> {
  expect(res.status).toBe(200);
  expect(res.headers.get("location")).toBeNull();
  const html = await res.text();
  expect(html).toContain('autocomplete="username webauthn"');
  const m = /data-return-to="(\/authorize\/continue\?rid=[A-Za-z0-9_-]+)"/.exec(html);
  expect(m, "the sign-in page carries the parked request").not.toBeNull();
  return { returnTo: m![1]!, html };
}

describe("authorize: errors before client_id and redirect_uri are known-good are never redirected (RFC 6749 §4.1.2.1)", () => {
  it("open redirect: an unknown client_id gets a 400 page, not a redirect", async () => {
    const res = await new TestBrowser().fetch(
      `/authorize?response_type=code&client_id=nobody-registered-this&redirect_uri=${encodeURIComponent("https://evil.example/cb")}&scope=openid&state=s`,
      { headers: HTML },
    );
    expect(await expectErrorPage(res)).toContain("not registered");
  });

  it("open redirect: a redirect_uri not registered for the client gets a 400 page, not a redirect", async () => {
    const client = await registerClient();
    const browser = new TestBrowser();
    for (const uri of ["https://evil.example/cb", `${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, "https://RP.example/cb"]) {
      const res = await browser.fetch(authorizePath(client, { redirectUri: uri, pkce: await pkce() }), {
        headers: HTML,
      });
      expect(await expectErrorPage(res)).toContain("redirect_uri");
    }
  });

  it("a missing redirect_uri is refused on the page when the client registered several", async () => {
    const client = await registerClient({ redirect_uris: [REDIRECT_URI, "https://rp.example/other"] });
    const res = await new TestBrowser().fetch(authorizePath(client, { redirectUri: null, pkce: await pkce() }), {
      headers: HTML,
    });
    await expectErrorPage(res);
  });

  it("parameter smuggling: a repeated parameter gets the error page (RFC 6749 §3.1)", async () => {
    const client = await registerClient();
    const path = `${authorizePath(client, { pkce: await pkce() })}&redirect_uri=${encodeURIComponent("https://evil.example/cb")}`;
    expect(await expectErrorPage(await new TestBrowser().fetch(path, { headers: HTML }))).toContain("repeats");
    const repeatedScope = `${authorizePath(client, { pkce: await pkce() })}&scope=openid`;
    await expectErrorPage(await new TestBrowser().fetch(repeatedScope, { headers: HTML }));
  });
});

describe("authorize: errors after validation go back to the client with state and iss (RFC 6749 §4.1.2.1, RFC 9207)", () => {
  async function expectClientError(path: string, error: string): Promise<Record<string, string>> {
    const res = await new TestBrowser().fetch(path, { headers: HTML });
    expect(res.status).toBe(302);
    const params = redirectParams(res);
    expect(params.error).toBe(error);
    expect(params.iss).toBe(ISSUER);
    expect(params.code).toBeUndefined();
    return params;
  }

  it("PKCE downgrade: a public client without code_challenge gets invalid_request (RFC 9700 §2.1.1)", async () => {
    const client = await registerClient();
    const params = await expectClientError(authorizePath(client, { pkce: null, state: "keep-me" }), "invalid_request");
    expect(params.state).toBe("keep-me");
  });

  it("PKCE downgrade: code_challenge_method=plain gets invalid_request (RFC 7636 §4.2, RFC 9700 §2.1.1)", async () => {
    const client = await registerClient();
    const { verifier } = await pkce();
    await expectClientError(
      authorizePath(client, { pkce: null, extra: { code_challenge: verifier, code_challenge_method: "plain" } }),
      "invalid_request",
    );
    // Without a method the default is plain (RFC 7636 §4.3): also refused.
    await expectClientError(
      authorizePath(client, { pkce: null, extra: { code_challenge: (await pkce()).challenge } }),
      "invalid_request",
    );
  });

  it("implicit flow: response_type=token gets unsupported_response_type", async () => {
    const client = await registerClient();
    await expectClientError(
      authorizePath(client, { pkce: await pkce(), extra: { response_type: "token" } }),
      "unsupported_response_type",
    );
    await expectClientError(
      authorizePath(client, { pkce: await pkce(), extra: { response_type: "code id_token" } }),
      "unsupported_response_type",
    );
  });

  it("prompt=none without a session gets login_required (OIDC Core §3.1.2.6)", async () => {
    const client = await registerClient();
    await expectClientError(authorizePath(client, { pkce: await pkce(), extra: { prompt: "none" } }), "login_required");
  });

  it("request objects are refused with request_not_supported (OIDC Core §6)", async () => {
    const client = await registerClient();
    await expectClientError(
      authorizePath(client, { pkce: await pkce(), extra: { request: "e30.e30." } }),
      "request_not_supported",
    );
  });

  it("no usable scope gets invalid_scope (RFC 6749 §3.3)", async () => {
    const client = await registerClient();
    await expectClientError(authorizePath(client, { pkce: await pkce(), scope: "admin everything" }), "invalid_scope");
  });
});

describe("authorize: SSO, prompt and max_age (OIDC Core §3.1.2.1)", () => {
  it("unknown parameters are ignored (RFC 6749 §3.1)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient();
    const auth = await authorizeCode(browser, client, {
      extra: { frobnicate: "yes", ui_locales: "de", claims_locales: "fr" },
    });
    expect(auth.code).toMatch(/\./);
  });

  it("no openid scope: plain OAuth, the token response has no id_token", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient();
    await consentTo(browser, client);
    const { tokens } = await signInTokens(browser, client, { scope: "email offline_access" });
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.scope).toBe("email offline_access");
    expect(tokens.access_token).toBeTruthy();
  });

  it("prompt=none with a session returns a code at once (SSO, no UI)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient();
    const auth = await authorizeCode(browser, client, { extra: { prompt: "none" } });
    await expectTokens(await exchangeCode(client, auth));
  });

  it("prompt=login with a session shows the sign-in page, and the resumed request needs a fresh sign-in", async () => {
    const { browser, auth: passkey } = await userWithPasskey();
    const client = await registerClient();
    const verifier = await pkce();
    const requestedAt = Math.floor(Date.now() / 1000);
    const { returnTo } = await expectSignInPage(
      await browser.fetch(authorizePath(client, { pkce: verifier, extra: { prompt: "login" } }), { headers: HTML }),
    );
    // The old session does not satisfy the parked request either.
    await expectSignInPage(await browser.fetch(returnTo, { headers: HTML }));
    const signedIn = await passkeySignIn(browser, passkey, returnTo);
    expect(signedIn.status).toBe(200);
    const { redirect } = (await signedIn.json()) as { redirect: string };
    expect(redirect).toBe(returnTo);
    const params = redirectParams(await browser.fetch(redirect, { headers: HTML }));
    const tokens = await expectTokens(
      await exchangeCode(client, { code: params.code!, state: params.state!, nonce: "", pkce: verifier, params }),
    );
    const { payload } = await verifyJwt(tokens.id_token!, { audience: client.client_id });
    expect(payload.auth_time).toBeGreaterThanOrEqual(requestedAt);
  });

  it("prompt=select_account with a session shows the sign-in page, where the person picks the account by signing in with it", async () => {
    const { browser, auth: passkey } = await userWithPasskey();
    const client = await registerClient();
    const verifier = await pkce();
    const { returnTo } = await expectSignInPage(
      await browser.fetch(authorizePath(client, { pkce: verifier, extra: { prompt: "select_account" } }), {
        headers: HTML,
      }),
    );
    await expectSignInPage(await browser.fetch(returnTo, { headers: HTML }));
    const signedIn = await passkeySignIn(browser, passkey, returnTo);
    const params = redirectParams(
      await browser.fetch(((await signedIn.json()) as { redirect: string }).redirect, { headers: HTML }),
    );
    await expectTokens(
      await exchangeCode(client, { code: params.code!, state: params.state!, nonce: "", pkce: verifier, params }),
    );
  });

  it("max_age: a recent sign-in satisfies it (SSO); an older one needs a new sign-in, and prompt=none then gets login_required", async () => {
    const { browser, auth: passkey } = await userWithPasskey();
    const client = await registerClient();
    const auth = await authorizeCode(browser, client, { extra: { max_age: "60" } });
    const tokens = await expectTokens(await exchangeCode(client, auth));
    const { payload } = await verifyJwt(tokens.id_token!, { audience: client.client_id });
    // OIDC Core §3.1.2.1: with max_age the ID token carries auth_time.
    expect(typeof payload.auth_time).toBe("number");

    await ageSession(browser, 120_000);
    const none = await browser.fetch(
      authorizePath(client, { pkce: await pkce(), extra: { max_age: "60", prompt: "none" } }),
      { headers: HTML },
    );
    expect(redirectParams(none).error).toBe("login_required");
    const verifier = await pkce();
    const { returnTo } = await expectSignInPage(
      await browser.fetch(authorizePath(client, { pkce: verifier, extra: { max_age: "60" } }), { headers: HTML }),
    );
    const signedIn = (await (await passkeySignIn(browser, passkey, returnTo)).json()) as { redirect: string };
    const params = redirectParams(await browser.fetch(signedIn.redirect, { headers: HTML }));
    expect(params.code).toBeTruthy();
  });

  it("max_age=0 forces a new sign-in like prompt=login, and the resumed request completes after it", async () => {
    const { browser, auth: passkey } = await userWithPasskey();
    const client = await registerClient();
    const verifier = await pkce();
    const { returnTo } = await expectSignInPage(
      await browser.fetch(authorizePath(client, { pkce: verifier, extra: { max_age: "0" } }), { headers: HTML }),
    );
    await expectSignInPage(await browser.fetch(returnTo, { headers: HTML }));
    const signedIn = (await (await passkeySignIn(browser, passkey, returnTo)).json()) as { redirect: string };
    // Some time always passes between the sign-in and the resumed request; the fresh sign-in must still count.
    await new Promise((r) => setTimeout(r, 20));
    const params = redirectParams(await browser.fetch(signedIn.redirect, { headers: HTML }));
    expect(params.error).toBeUndefined();
    await expectTokens(
      await exchangeCode(client, { code: params.code!, state: params.state!, nonce: "", pkce: verifier, params }),
    );
  });

  it("login_hint pre-fills the email field", async () => {
    const client = await registerClient();
    const res = await new TestBrowser().fetch(
      authorizePath(client, { pkce: await pkce(), extra: { login_hint: "ada@example.test" } }),
      { headers: HTML },
    );
    const { html } = await expectSignInPage(res);
    expect(html).toMatch(/<input id="email"[^>]*value="ada@example.test"/);
  });

  it("phishing aid: the sign-in page names the client that asked, escaped", async () => {
    const client = await registerClient({ client_name: "Acme <Rockets> & Co" });
    const { html } = await expectSignInPage(
      await new TestBrowser().fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML }),
    );
    expect(html).toContain("Acme &lt;Rockets&gt; &amp; Co");
    expect(html).not.toContain("<Rockets>");
  });

  it("POST /authorize with a form body works like GET (OIDC Core §3.1.2.1)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient();
    const verifier = await pkce();
    const form = Object.fromEntries(authorizeParams(client, { pkce: verifier, state: "posted" }));
    const res = await browser.fetch("/authorize", { method: "POST", form, headers: HTML });
    const params = redirectParams(res);
    expect(params.state).toBe("posted");
    await expectTokens(
      await exchangeCode(client, { code: params.code!, state: "posted", nonce: "", pkce: verifier, params }),
    );
  });

  it("parameter smuggling over POST: a repeated form parameter gets the error page", async () => {
    const client = await registerClient();
    const body = `${authorizeParams(client, { pkce: await pkce() }).toString()}&redirect_uri=${encodeURIComponent("https://evil.example/cb")}`;
    const res = await new TestBrowser().fetch("/authorize", {
      method: "POST",
      body,
      headers: { ...HTML, "content-type": "application/x-www-form-urlencoded" },
    });
    await expectErrorPage(res);
  });

  it("id_token_hint for another user than the session's: no silent SSO, prompt=none gets login_required", async () => {
    const alice = await userWithPasskey();
    const bob = await userWithPasskey();
    const client = await registerClient();
    const { tokens } = await signInTokens(alice.browser, client);
    const res = await bob.browser.fetch(
      authorizePath(client, { pkce: await pkce(), extra: { prompt: "none", id_token_hint: tokens.id_token! } }),
      { headers: HTML },
    );
    expect(redirectParams(res).error).toBe("login_required");
  });

  it("token confusion: an access token is refused as id_token_hint (RFC 8725 §3.11)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    const res = await browser.fetch(
      authorizePath(client, { pkce: await pkce(), extra: { prompt: "none", id_token_hint: tokens.access_token } }),
      { headers: HTML },
    );
    expect(redirectParams(res).error).toBe("invalid_request");
  });
});

describe("authorize: a parked request resumes after sign-in", () => {
  it("after a magic-link sign-up: return_to travels through the mail link and the passkey offer", async () => {
    const client = await registerClient();
    const browser = new TestBrowser();
    const verifier = await pkce();
    const { returnTo } = await expectSignInPage(
      await browser.fetch(authorizePath(client, { pkce: verifier, state: "mail" }), { headers: HTML }),
    );
    const email = uniqueEmail("parked");
    const token = await requestLinkToken(browser, email, returnTo);
    const redeemed = await redeemLink(browser, token);
    expect(redeemed.status).toBe(303);
    // A new account is offered a passkey first; "Skip for now" continues to the parked request.
    const offer = new URL(redeemed.headers.get("location")!, ISSUER);
    expect(offer.pathname).toBe("/passkey/offer");
    expect(offer.searchParams.get("return_to")).toBe(returnTo);
    const offerPage = await (await browser.fetch(offer.pathname + offer.search, { headers: HTML })).text();
    expect(offerPage).toContain(`href="${returnTo}"`);
    const params = redirectParams(await browser.fetch(returnTo, { headers: HTML }));
    expect(params.state).toBe("mail");
    const tokens = await expectTokens(
      await exchangeCode(client, { code: params.code!, state: "mail", nonce: "", pkce: verifier, params }),
    );
    const { payload } = await verifyJwt(tokens.id_token!, { audience: client.client_id });
    expect(payload.email).toBe(email);
    // RFC 8176 §2 "otp": the mailed link's single-use secret (not the unregistered "email").
    expect(payload.amr).toEqual(["otp"]);
    expect(payload.acr).toBe("email-link");
  });

  it("after a passkey sign-in", async () => {
    const { auth: passkey, email } = await userWithPasskey();
    const client = await registerClient();
    const browser = new TestBrowser();
    const verifier = await pkce();
    const { returnTo, html } = await expectSignInPage(
      await browser.fetch(authorizePath(client, { pkce: verifier }), { headers: HTML }),
    );
    expect(html).toContain("Test RP");
    const signedIn = await passkeySignIn(browser, passkey, returnTo);
    const { redirect } = (await signedIn.json()) as { redirect: string };
    expect(redirect).toBe(returnTo);
    // The sign-in page reached through return_to also names the client.
    expect(
      await (await browser.fetch(`/signin?return_to=${encodeURIComponent(returnTo)}`, { headers: HTML })).text(),
    ).toContain("Test RP");
    const params = redirectParams(await browser.fetch(redirect, { headers: HTML }));
    const tokens = await expectTokens(
      await exchangeCode(client, { code: params.code!, state: params.state!, nonce: "", pkce: verifier, params }),
    );
    const { payload } = await verifyJwt(tokens.id_token!, { audience: client.client_id });
    expect(payload.email).toBe(email);
  });

  it("a guessed or expired rid gets an error page, not a redirect", async () => {
    const { browser } = await userWithPasskey();
    await expectErrorPage(
      await browser.fetch("/authorize/continue?rid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", { headers: HTML }),
    );
    await expectErrorPage(await browser.fetch("/authorize/continue?rid=../../etc", { headers: HTML }));
  });
});

describe("authorize: a parked request is spent by its code and bound to its browser (RFC 6749 §4.1.2, RFC 9700 §4.5, §4.7)", () => {
  it("parked-request replay: reopening /authorize/continue?rid= after the code was issued mints no second code, even five times at once", async () => {
    const { auth: passkey } = await userWithPasskey();
    const client = await registerClient();
    const browser = new TestBrowser();
    const { returnTo } = await expectSignInPage(
      await browser.fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML }),
    );
    expect((await passkeySignIn(browser, passkey, returnTo)).status).toBe(200);
    const first = redirectParams(await browser.fetch(returnTo, { headers: HTML }));
    expect(first.code).toBeTruthy();
    // Spent in the DO (and then forgotten in KV): the page says so, and nothing is redirected.
    expect(await expectErrorPage(await browser.fetch(returnTo, { headers: HTML }))).toMatch(/already used|has expired/);

    // Exactly once under a race too: the request is spent in the user's Durable Object, not in KV.
    const { returnTo: second } = await expectSignInPage(
      await browser.fetch(authorizePath(client, { pkce: await pkce(), extra: { prompt: "login" } }), { headers: HTML }),
    );
    expect((await passkeySignIn(browser, passkey, second)).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 5 }, () => browser.fetch(second, { headers: HTML })));
    expect(
      answers.filter((r) => r.status === 302 && new URL(r.headers.get("location")!).searchParams.has("code")),
    ).toHaveLength(1);
    expect(answers.filter((r) => r.status === 400)).toHaveLength(4);
  });

  it("parked-request replay through the consent form: a second Allow for the same rid mints no second code", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: false, client_name: "Third Party" });
    const page = await browser.fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML });
    const html = await page.text();
    const rid = /name="rid" value="([^"]+)"/.exec(html)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const allow = () =>
      browser.fetch("/authorize/consent", { method: "POST", form: { csrf, rid, decision: "allow" }, headers: HTML });
    expect(redirectParams(await allow()).code).toBeTruthy();
    expect(await expectErrorPage(await allow())).toMatch(/already used|has expired/);
    expect(await expectErrorPage(await browser.fetch(`/authorize/continue?rid=${rid}`, { headers: HTML }))).toMatch(
      /already used|has expired/,
    );
  });

  it("parked-request theft: a rid opened in another browser is refused with a clear page, even when that browser is signed in", async () => {
    const victim = await userWithPasskey();
    const client = await registerClient();
    // The attacker parks a request in their own browser and sends the victim its continuation link.
    const attacker = new TestBrowser();
    const { returnTo } = await expectSignInPage(
      await attacker.fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML }),
    );
    const rid = new URL(returnTo, ORIGIN).searchParams.get("rid")!;
    expect(await expectErrorPage(await victim.browser.fetch(returnTo, { headers: HTML }))).toContain("another browser");
    expect(
      await expectErrorPage(
        await victim.browser.fetch("/authorize/consent", {
          method: "POST",
          form: { csrf: await victim.browser.csrf(), rid, decision: "allow" },
          headers: HTML,
        }),
      ),
    ).toContain("another browser");
    // A sign-in in that other browser does not help either.
    expect((await passkeySignIn(victim.browser, victim.auth, returnTo)).status).toBe(200);
    expect(await expectErrorPage(await victim.browser.fetch(returnTo, { headers: HTML }))).toContain("another browser");
  });
});
