/** Sensitive account actions: a recent sign-in to add or remove a passkey, a mail to the owner, sessions that end. */
import { describe, expect, it } from "vitest";
import { FRESH_SIGN_IN_MS, REAUTHENTICATE_PATH } from "../../src/sessions/fresh-sign-in";
import { addPasskey, passkeySignIn, sessionAlive, signUp, userWithPasskey } from "../helpers/accounts";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import { listMail, waitForMail } from "../helpers/mailbox";
import {
  ageSession,
  consentTo,
  expectTokens,
  refresh,
  registerClient,
  signInTokens,
  userIdOf,
  userStub,
} from "../helpers/oidc-client";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

const HTML = { accept: "text/html" };

async function credentialIds(browser: TestBrowser): Promise<string[]> {
  const html = await (await browser.fetch("/account", { headers: HTML })).text();
  return [...html.matchAll(/action="\/account\/passkeys\/delete"[\s\S]*?name="id" value="([^"]+)"/g)].map((m) => m[1]!);
}

async function deletePasskey(browser: TestBrowser, id: string, confirm = false): Promise<Response> {
  return browser.fetch("/account/passkeys/delete", {
    method: "POST",
    form: { csrf: await browser.csrf(), id, ...(confirm ? { confirm: "yes" } : {}) },
    headers: HTML,
  });
}

describe("adding or removing a passkey needs a recent sign-in", () => {
  it("stale-session passkey add: a sign-in older than 5 minutes cannot add a passkey (reauth_required); the account page links to a new sign-in, after which it can", async () => {
    const { browser, auth } = await userWithPasskey();
    await ageSession(browser, FRESH_SIGN_IN_MS + 60_000);
    const options = await browser.postJson("/auth/passkey/register/options", {});
    expect(options.status).toBe(403);
    expect(await options.json()).toMatchObject({ error: "reauth_required" });
    const page = await (await browser.fetch("/account", { headers: HTML })).text();
    expect(page).toContain(`href="${REAUTHENTICATE_PATH.replace(/&/g, "&amp;")}"`);
    expect(page).toContain("Sign in again");
    // The way back: sign in again (here with the passkey) in this browser, return to /account, add the passkey.
    const signedIn = (await (await passkeySignIn(browser, auth, "/account")).json()) as { redirect: string };
    expect(signedIn.redirect).toBe("/account");
    expect(await (await browser.fetch("/account", { headers: HTML })).text()).not.toContain("Sign in again");
    await addPasskey(browser, await SoftAuthenticator.create());
  });

  it("stale-session passkey add: a registration begun while fresh is refused once the sign-in has aged", async () => {
    const { browser } = await userWithPasskey();
    const auth = await SoftAuthenticator.create();
    const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
    await ageSession(browser, FRESH_SIGN_IN_MS + 60_000);
    const res = await browser.postJson("/auth/passkey/register/verify", {
      response: await auth.register(options as never, ORIGIN),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "reauth_required" });
  });

  it("stale-session passkey removal: deleting from an old sign-in shows a sign-in-again page that returns to /account, and deletes nothing", async () => {
    const { browser } = await userWithPasskey();
    const [id] = await credentialIds(browser);
    await ageSession(browser, FRESH_SIGN_IN_MS + 60_000);
    const res = await deletePasskey(browser, id!, true);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain("Sign in again");
    expect(html).toContain(`href="${REAUTHENTICATE_PATH.replace(/&/g, "&amp;")}"`);
    expect(await credentialIds(browser)).toEqual([id]);
  });

  it("the passkey offer right after a magic-link sign-in counts as a fresh sign-in", async () => {
    const { browser } = await signUp();
    const offer = await browser.fetch("/passkey/offer?return_to=%2Faccount&new=1", { headers: HTML });
    expect(offer.status).toBe(200);
    await addPasskey(browser);
  });
});

describe("passkey changes mail the account owner", () => {
  it("silent passkey change: adding and removing a passkey each mail the account's address", async () => {
    const { browser, email } = await signUp();
    expect(await listMail(email)).toHaveLength(1); // the sign-up link
    await addPasskey(browser);
    const added = await waitForMail(email, { count: 2 });
    expect(added.subject).toMatch(/passkey was added/);
    expect(added.text).toContain(`${ORIGIN}/account`);
    const [id] = await credentialIds(browser);
    expect((await deletePasskey(browser, id!, true)).status).toBe(303);
    const removed = await waitForMail(email, { count: 3 });
    expect(removed.subject).toMatch(/passkey was removed/);
    expect(removed.text).toContain("Sign out everywhere");
  });
});

describe("sessions end with the passkey that started them, and with a new sign-in in the same browser", () => {
  it("removed-passkey sessions: removing a passkey ends the sessions it signed in on other devices and revokes their grants; the remover's and the email-link session stay", async () => {
    const { browser: mailBrowser } = await signUp();
    const lost = await addPasskey(mailBrowser);
    const kept = await addPasskey(mailBrowser, await SoftAuthenticator.create());
    const thief = new TestBrowser();
    expect((await passkeySignIn(thief, lost)).status).toBe(200);
    const owner = new TestBrowser();
    expect((await passkeySignIn(owner, kept)).status).toBe(200);
    const client = await registerClient();
    await consentTo(thief, client);
    const { tokens } = await signInTokens(thief, client, { scope: "openid offline_access" });
    const thiefCookie = thief.sessionCookie!;

    const ids = await credentialIds(owner);
    const lostId = lost.credentialId!;
    expect(ids).toContain(lostId);
    expect((await deletePasskey(owner, lostId)).status).toBe(303);
    expect(await sessionAlive(thiefCookie)).toBe(false);
    // Its grants go too, offline ones included.
    expect((await refresh(client, tokens.refresh_token!)).status).toBe(400);
    expect(await sessionAlive(owner.sessionCookie!)).toBe(true);
    expect(await sessionAlive(mailBrowser.sessionCookie!)).toBe(true);
  });

  it("stacked sessions: a new sign-in in a browser ends that browser's previous session, the same user's or another's", async () => {
    const alice = await userWithPasskey();
    const bob = await userWithPasskey();
    const shared = new TestBrowser();
    expect((await passkeySignIn(shared, alice.auth)).status).toBe(200);
    const aliceCookie = shared.sessionCookie!;
    const client = await registerClient();
    const { tokens } = await signInTokens(shared, client);
    const aliceSessions = (await userStub(userIdOf(alice.browser)).listSessions(Date.now())).length;
    // Bob signs in on the same browser: Alice's session there ends (in her object), with its session-bound grants.
    expect((await passkeySignIn(shared, bob.auth)).status).toBe(200);
    expect(await sessionAlive(aliceCookie)).toBe(false);
    expect((await refresh(client, tokens.refresh_token!)).status).toBe(400);
    expect(await userStub(userIdOf(alice.browser)).listSessions(Date.now())).toHaveLength(aliceSessions - 1);
    // Bob signs in again there (a re-authentication): his previous session in this browser ends, its grants pass
    // to the new one (the apps he uses here keep working); his session elsewhere stays.
    const bobFirst = shared.sessionCookie!;
    const { tokens: bobTokens } = await signInTokens(shared, client);
    expect((await passkeySignIn(shared, bob.auth)).status).toBe(200);
    expect(await sessionAlive(bobFirst)).toBe(false);
    expect(await sessionAlive(shared.sessionCookie!)).toBe(true);
    expect(await sessionAlive(bob.browser.sessionCookie!)).toBe(true);
    const carried = await expectTokens(await refresh(client, bobTokens.refresh_token!));
    // …and they end with the session they now belong to.
    expect(
      (await shared.fetch("/signout", { method: "POST", form: { csrf: await shared.csrf() }, headers: HTML })).status,
    ).toBe(303);
    expect((await refresh(client, carried.refresh_token!)).status).toBe(400);
  });
});
