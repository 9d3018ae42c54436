/** Flow helpers for integration tests: sign up by magic link (real mail), register a passkey, sign in with it. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import type { Env } from "../../src/config";
import { storeMagicLink } from "../../src/magic-link/magic-link-store";
import { browserBindingHash } from "../../src/sessions/browser";
import { ORIGIN, TestBrowser } from "./browser";
import { extractLink, waitForMail } from "./mailbox";
import { SoftAuthenticator } from "./soft-authenticator";

let counter = 0;
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

/**
 * A link token minted straight into KV (no mail round trip) as if `browser` had asked for it: bound to its browser
 * cookie, so redeeming it there is a same-browser sign-in (RFC 9700 §4.7), as through POST /auth/email.
 */
export async function storedLinkFor(
  browser: TestBrowser,
  email: string,
  userId: string | null = null,
  returnTo = "/account",
  target: Env = env as unknown as Env,
): Promise<string> {
  await browser.csrf(); // the browser binding cookie
  const browserHash = await browserBindingHash(browser.cookies.get("lk_browser")!, "magic-link");
  const requestedBy = { browserHash, requestedAt: Date.now(), device: "test", country: null };
  return (await storeMagicLink(target, { email, userId, returnTo, requestedBy }, Date.now())).token;
}

/** Requests a link, reads it from the SMTP server's mailbox, and returns the token. */
export async function requestLinkToken(
  browser: TestBrowser,
  email: string,
  returnTo?: string,
  nth = 1,
): Promise<string> {
  const res = await browser.postJson("/auth/email", { email, ...(returnTo ? { return_to: returnTo } : {}) });
  expect(res.status).toBe(202);
  const mail = await waitForMail(email, { count: nth });
  const link = extractLink(mail.text, `${ORIGIN}/auth/link`);
  return new URL(link).searchParams.get("token")!;
}

/** Posts the confirm page's form for a token. */
export async function redeemLink(browser: TestBrowser, token: string): Promise<Response> {
  return browser.fetch("/auth/link", { method: "POST", form: { token, csrf: await browser.csrf() } });
}

/** A new account signed in by magic link. */
export async function signUp(email = uniqueEmail()): Promise<{ browser: TestBrowser; email: string }> {
  const browser = new TestBrowser();
  const token = await requestLinkToken(browser, email);
  const res = await redeemLink(browser, token);
  expect(res.status).toBe(303);
  expect(browser.sessionCookie).toBeDefined();
  return { browser, email };
}

/** Registers a passkey for the signed-in browser. */
export async function addPasskey(browser: TestBrowser, authenticator?: SoftAuthenticator): Promise<SoftAuthenticator> {
  const auth = authenticator ?? (await SoftAuthenticator.create({ backupEligible: true, backupState: true }));
  const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
  const response = await auth.register(options as never, ORIGIN);
  const res = await browser.postJson("/auth/passkey/register/verify", { response });
  expect(res.status, await res.clone().text()).toBe(201);
  return auth;
}

/** Usernameless passkey sign-in in a (new) browser; returns the verify response. */
export async function passkeySignIn(
  browser: TestBrowser,
  auth: SoftAuthenticator,
  returnTo?: string,
): Promise<Response> {
  const options = await (await browser.postJson("/auth/passkey/options", {})).json();
  const response = await auth.authenticate(options as never, ORIGIN);
  return browser.postJson("/auth/passkey/verify", { response, ...(returnTo ? { return_to: returnTo } : {}) });
}

/** A user with a passkey, signed in with it in a fresh browser. */
export async function userWithPasskey(): Promise<{ browser: TestBrowser; email: string; auth: SoftAuthenticator }> {
  const { email, browser: signupBrowser } = await signUp();
  const auth = await addPasskey(signupBrowser);
  const browser = new TestBrowser();
  const res = await passkeySignIn(browser, auth);
  expect(res.status).toBe(200);
  return { browser, email, auth };
}

/** Whether a session cookie still opens the account page (the session is alive in the user's DO). */
export async function sessionAlive(cookie: string): Promise<boolean> {
  const probe = new TestBrowser();
  probe.cookies.set("lk_session", cookie);
  const res = await probe.fetch("/account", { headers: { accept: "text/html" } });
  if (res.status === 200) return true;
  expect(res.status).toBe(302);
  expect(res.headers.get("location")).toMatch(/^\/signin/);
  return false;
}
