/** Headers of the authorization flow: CSP form-action (CSP3 §6.4.2) and no-store on authorization responses. */
import { describe, expect, it } from "vitest";
import { formActionSource } from "../../src/security-headers";
import { requestLinkToken, userWithPasskey } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";
import { authorizePath, pkce, registerClient } from "../helpers/oidc-client";

const HTML = { accept: "text/html" };

function formAction(res: Response): string {
  const csp = res.headers.get("content-security-policy") ?? "";
  return (
    csp
      .split(";")
      .map((d) => d.trim())
      .find((d) => d.startsWith("form-action ")) ?? "(none)"
  );
}

describe("CSP form-action: where a page's forms (and the redirects after them) may go", () => {
  it("form hijack: pages without a client let forms post only to Latchkey's own origin (form-action 'self')", async () => {
    for (const path of ["/signin", "/auth/link?token=bogus", "/no-such-page"]) {
      const res = await new TestBrowser().fetch(path, { headers: HTML });
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(formAction(res), path).toBe("form-action 'self'");
    }
  });

  it("the consent page adds only the requesting client's redirect origin: Allow and Deny end there through a 303", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({
      first_party: false,
      client_name: "Third Party",
      redirect_uris: ["https://rp.example/cb?x=1"],
    });
    const res = await browser.fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML });
    expect(await res.text()).toContain("Allow Third Party?");
    expect(formAction(res)).toBe("form-action 'self' https://rp.example");
  });

  it("the sign-out confirmation adds only the registered post_logout_redirect_uri's origin", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ post_logout_redirect_uris: ["https://bye.example/out"] });
    const res = await browser.fetch(
      `/logout?${new URLSearchParams({ client_id: client.client_id, post_logout_redirect_uri: "https://bye.example/out" })}`,
      { headers: HTML },
    );
    expect(await res.text()).toContain("Sign out?");
    expect(formAction(res)).toBe("form-action 'self' https://bye.example");
    // Without a post-logout redirect the form stays on our origin.
    expect(formAction(await browser.fetch("/logout", { headers: HTML }))).toBe("form-action 'self'");
  });

  it("the emailed link's page adds the parked request's client: Continue ends there through /authorize/continue", async () => {
    const client = await registerClient({ redirect_uris: ["https://app.example/callback"] });
    const browser = new TestBrowser();
    const parked = await browser.fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML });
    const returnTo = /data-return-to="([^"]+)"/.exec(await parked.text())?.[1]?.replace(/&amp;/g, "&");
    expect(returnTo).toMatch(/^\/authorize\/continue\?rid=/);
    const email = `link-${crypto.randomUUID()}@example.test`;
    const token = await requestLinkToken(browser, email, returnTo);
    const page = await browser.fetch(`/auth/link?token=${token}`, { headers: HTML });
    expect(page.status).toBe(200);
    expect(formAction(page)).toBe("form-action 'self' https://app.example");
    // A link that returns to one of our own pages adds nothing.
    const plain = await requestLinkToken(browser, email, undefined, 2);
    expect(formAction(await browser.fetch(`/auth/link?token=${plain}`, { headers: HTML }))).toBe("form-action 'self'");
  });

  it("CSP injection: only a plain origin or a private-use scheme becomes a form-action source", () => {
    expect(formActionSource("https://rp.example:8443/cb?x=1")).toBe("https://rp.example:8443");
    expect(formActionSource("http://127.0.0.1:53123/cb")).toBe("http://127.0.0.1:53123");
    // CSP3 host-source has no IPv6 literal: the scheme stands in for a native app's [::1] loopback only.
    expect(formActionSource("http://[::1]:8080/cb")).toBe("http:");
    // form-action widened to a scheme: any other IPv6 literal (https: would let the page's forms post anywhere) gets nothing.
    expect(formActionSource("https://[2001:db8::1]/cb")).toBeNull();
    expect(formActionSource("http://[2001:db8::1]:8080/cb")).toBeNull();
    expect(formActionSource("com.example.app:/oauth2redirect")).toBe("com.example.app:");
    for (const bad of [
      "https://a.example;script-src/cb",
      "https://a.example,b/cb",
      "javascript:alert(1)",
      "myapp:/cb",
      "not a url",
    ]) {
      expect(formActionSource(bad), bad).toBeNull();
    }
  });
});

describe("authorization responses are never cached", () => {
  it("a cached code or error: /authorize redirects to the client (success and error) carry Cache-Control: no-store", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient();
    const ok = await browser.fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toMatch(/^https:\/\/rp\.example\/cb\?code=/);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const err = await browser.fetch(authorizePath(client, { pkce: await pkce(), extra: { response_type: "token" } }), {
      headers: HTML,
    });
    expect(err.status).toBe(302);
    expect(err.headers.get("location")).toContain("error=unsupported_response_type");
    expect(err.headers.get("cache-control")).toBe("no-store");
    const none = await new TestBrowser().fetch(
      authorizePath(client, { pkce: await pkce(), extra: { prompt: "none" } }),
      { headers: HTML },
    );
    expect(none.headers.get("location")).toContain("error=login_required");
    expect(none.headers.get("cache-control")).toBe("no-store");
  });

  it("a cached consent answer: Allow and Deny redirects carry Cache-Control: no-store", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: false, client_name: "Third Party" });
    for (const decision of ["deny", "allow"]) {
      const html = await (await browser.fetch(authorizePath(client, { pkce: await pkce() }), { headers: HTML })).text();
      const rid = /name="rid" value="([^"]+)"/.exec(html)![1]!;
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
      const res = await browser.fetch("/authorize/consent", {
        method: "POST",
        form: { csrf, rid, decision },
        headers: HTML,
      });
      expect(res.status, decision).toBe(303);
      expect(res.headers.get("location"), decision).toMatch(/^https:\/\/rp\.example\/cb\?/);
      expect(res.headers.get("cache-control"), decision).toBe("no-store");
    }
  });
});
