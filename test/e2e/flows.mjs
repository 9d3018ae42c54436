/** What a person does on the hosted pages, by role and label only (the pages' accessibility contract). */
import assert from "node:assert/strict";
import { magicLinkIn } from "./harness.mjs";

const STEP_TIMEOUT_MS = 20_000;

/** Unique per run, so reruns against a kept state never collide. */
export function newEmail(tag) {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** On the sign-in page: asks for a link and returns it from the mail the SMTP server received. */
export async function requestMagicLink(page, stack, email) {
  const emailField = page.getByLabel("Email");
  await emailField.fill(email);
  const since = Date.now();
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("status").filter({ hasText: "Check your email" }).waitFor({ timeout: STEP_TIMEOUT_MS });
  const mail = await stack.mailbox.waitFor(email, { since });
  return { mail, link: magicLinkIn(mail, stack.origin) };
}

/** Opens a mailed link and presses "Continue" (only that POST redeems it). */
export async function confirmLink(page, link) {
  await page.goto(link);
  await page.getByRole("heading", { name: "Finish signing in" }).waitFor({ timeout: STEP_TIMEOUT_MS });
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/auth/link", {
      timeout: STEP_TIMEOUT_MS,
    }),
    page.getByRole("button", { name: "Continue" }).click(),
  ]);
  if (res.status() >= 400) {
    await page.waitForLoadState();
    const shown = (
      await page
        .locator("main")
        .innerText()
        .catch(() => "")
    ).replace(/\s+/g, " ");
    assert.fail(`POST /auth/link (Continue) answered ${res.status()}: ${shown}`);
  }
  await page.waitForURL((url) => url.pathname !== "/auth/link", { timeout: STEP_TIMEOUT_MS });
}

/** On the passkey offer: "Create a passkey", then wait to leave the offer page. Returns the authenticator's credentials. */
export async function createPasskey(browser) {
  const { page } = browser;
  assert.equal(pathOf(page), "/passkey/offer", `expected the passkey offer, got ${page.url()}`);
  const before = (await browser.credentials()).length;
  await page.getByRole("button", { name: "Create a passkey" }).click();
  await page.waitForURL((url) => url.pathname !== "/passkey/offer", { timeout: STEP_TIMEOUT_MS });
  const creds = await browser.credentials();
  assert.equal(creds.length, before + 1, "the virtual authenticator holds one more credential");
  assert.equal(creds.at(-1).isResidentCredential, true, "the passkey is discoverable (resident key)");
  return creds;
}

/** Signs in with the "Sign in with a passkey" button; the autofill request is held back until the click. */
export async function signInWithPasskeyButton(browser, url) {
  const { page } = browser;
  // With presence simulation off the conditional (autofill) request started on load stays pending, so the
  // button's own ceremony is what signs the person in.
  await browser.presence(false);
  try {
    await page.goto(url);
    await page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await browser.presence(true);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL((u) => u.pathname !== "/signin" && u.pathname !== "/authorize", { timeout: STEP_TIMEOUT_MS });
  } finally {
    await browser.presence(true);
  }
}

/** The account page's passkey and session list items, as text. */
export async function accountLists(page) {
  const passkeys = await page.getByRole("list", { name: "Passkeys" }).getByRole("listitem").allInnerTexts();
  const sessions = await page.getByRole("list", { name: "Sessions" }).getByRole("listitem").allInnerTexts();
  return { passkeys, sessions };
}

/** Asserts the browser holds no session: /account sends it to the sign-in page (autofill held back meanwhile). */
export async function assertSignedOut(browser, origin) {
  const { page } = browser;
  await browser.presence(false);
  try {
    await page.goto(`${origin}/account`);
    const url = new URL(page.url());
    assert.equal(
      url.pathname,
      "/signin",
      `/account should redirect to /signin when signed out, landed on ${page.url()}`,
    );
    await page.getByRole("button", { name: "Sign in with a passkey" }).waitFor({ timeout: STEP_TIMEOUT_MS });
  } finally {
    await browser.presence(true);
  }
}
