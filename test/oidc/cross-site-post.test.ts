/**
 * Cross-site form POSTs (RFC 9700 §4.7; Fetch Metadata): SameSite=Lax cookies do not come with them, so they must
 * neither replace the browser's binding cookie nor be answered as if the browser were signed out.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signUp } from "../helpers/accounts";
import { ORIGIN } from "../helpers/browser";
import { authorizeParams, pkce, registerClient } from "../helpers/oidc-client";

/** What an attacker's (or a client's) page gets by auto-submitting a form to us: no cookies, Sec-Fetch-Site cross-site. */
function crossSitePost(path: string, form: URLSearchParams): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "sec-fetch-site": "cross-site",
      origin: "https://evil.example",
      accept: "text/html",
    },
    body: form.toString(),
  });
}

const setsBindingCookie = (res: Response) => (res.headers.get("set-cookie") ?? "").includes("lk_browser=");

describe("cross-site form posts", () => {
  it("binding reset: an attacker page's auto-submitted form to /authorize or /logout sets no browser cookie", async () => {
    const client = await registerClient();
    const authorize = await crossSitePost("/authorize", authorizeParams(client, { pkce: await pkce() }));
    expect(setsBindingCookie(authorize)).toBe(false);
    const logout = await crossSitePost("/logout", new URLSearchParams({ client_id: client.client_id }));
    expect(setsBindingCookie(logout)).toBe(false);
    // A same-site request without the cookie (a first visit) still gets one.
    const first = await SELF.fetch(`${ORIGIN}/signin`, { headers: { accept: "text/html" } });
    expect(setsBindingCookie(first)).toBe(true);
  });

  it("a client's POST authorization request becomes the same request as a GET navigation, so a signed-in person gets SSO", async () => {
    const client = await registerClient();
    const params = authorizeParams(client, { pkce: await pkce() });
    const res = await crossSitePost("/authorize", params);
    expect(res.status).toBe(303);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const next = new URL(res.headers.get("location")!, ORIGIN);
    expect(next.pathname).toBe("/authorize");
    expect(Object.fromEntries(next.searchParams)).toEqual(Object.fromEntries(params));
    // The browser follows it with its own cookies: the signed-in person is sent on with a code.
    const { browser } = await signUp();
    const sso = await browser.fetch(next.pathname + next.search, { headers: { accept: "text/html" } });
    expect(sso.status).toBe(302);
    expect(new URL(sso.headers.get("location")!).searchParams.get("code")).toBeTruthy();
  });

  it("a client's POST logout request becomes a GET navigation that sees the session it is about", async () => {
    const res = await crossSitePost("/logout", new URLSearchParams({ client_id: "some-client", state: "s1" }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/logout?client_id=some-client&state=s1");
  });
});
