import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addPasskey, signUp, userWithPasskey } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";

const html = { accept: "text/html" };

describe("account page", () => {
  it("lists passkeys and sessions, renames a passkey", async () => {
    const { browser, auth } = await userWithPasskey();
    let page = await (await browser.fetch("/account", { headers: html })).text();
    expect(page).toContain('aria-label="Passkeys"');
    expect(page).toContain("This device");
    expect(page).toContain("Chrome on Linux");
    const res = await browser.fetch("/account/passkeys/rename", {
      method: "POST",
      form: { csrf: await browser.csrf(), id: auth.credentialId!, name: "Work laptop" },
    });
    expect(res.status).toBe(303);
    page = await (await browser.fetch("/account?done=renamed", { headers: html })).text();
    expect(page).toContain("Work laptop");
    expect(page).toContain("Passkey renamed.");
  });

  it("deleting the last passkey asks for confirmation first", async () => {
    const { browser, auth } = await userWithPasskey();
    const csrf = await browser.csrf();
    const warn = await browser.fetch("/account/passkeys/delete", {
      method: "POST",
      form: { csrf, id: auth.credentialId! },
    });
    expect(warn.status).toBe(409);
    expect(await warn.text()).toContain("Delete your last passkey?");
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM credentials WHERE id = ?").bind(auth.credentialId).first("n"),
    ).toBe(1);
    const done = await browser.fetch("/account/passkeys/delete", {
      method: "POST",
      form: { csrf, id: auth.credentialId!, confirm: "yes" },
    });
    expect(done.status).toBe(303);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM credentials WHERE id = ?").bind(auth.credentialId).first("n"),
    ).toBe(0);
  });

  it("a passkey that is not one's own cannot be renamed or deleted", async () => {
    const { auth } = await userWithPasskey();
    const { browser: other } = await signUp();
    await addPasskey(other);
    const csrf = await other.csrf();
    const rename = await other.fetch("/account/passkeys/rename", {
      method: "POST",
      form: { csrf, id: auth.credentialId!, name: "mine now" },
    });
    expect(rename.status).toBe(404);
    const del = await other.fetch("/account/passkeys/delete", {
      method: "POST",
      form: { csrf, id: auth.credentialId!, confirm: "yes" },
    });
    expect(del.status).toBe(404);
    expect(
      await env.DB.prepare("SELECT name FROM credentials WHERE id = ?").bind(auth.credentialId).first("name"),
    ).not.toBe("mine now");
  });

  it("ends another session by id; CSRF is required; signed-out visitors are sent to sign in", async () => {
    const { browser } = await userWithPasskey();
    const noCsrf = await browser.fetch("/account/sessions/end", { method: "POST", form: { sid: "x" } });
    expect(noCsrf.status).toBe(403);
    const crossSite = await browser.fetch("/account/sessions/end-all", {
      method: "POST",
      form: { csrf: await browser.csrf() },
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    const anon = await new TestBrowser().fetch("/account", { headers: html });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("location")).toBe("/signin?return_to=%2Faccount");
  });

  it("pages carry a CSP without inline script, frame-ancestors 'none' and a same-origin Referrer-Policy", async () => {
    const res = await new TestBrowser().fetch("/signin", { headers: html });
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    const page = await res.text();
    expect(page).toContain('autocomplete="username webauthn"');
    expect(page).toMatch(/<label for="email">Email<\/label>/);
    expect(page).not.toMatch(/<script>(?!<\/script>)/);
  });
});
