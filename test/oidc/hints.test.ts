import { describe, expect, it } from "vitest";
import { passkeySignIn, userWithPasskey } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";
import {
  authorizeCode,
  authorizePath,
  exchangeCode,
  expectTokens,
  pkce,
  registerClient,
  signInTokens,
} from "../helpers/oidc-client";

describe("redirect_uri omitted (RFC 6749 §3.1.2.3, §4.1.3)", () => {
  it("a client with one registered URI may omit redirect_uri at both endpoints", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: true });
    const auth = await authorizeCode(browser, client, { redirectUri: null });
    await expectTokens(await exchangeCode(client, auth, { redirect_uri: null }));
  });

  it("mix-up: a code whose request named redirect_uri must name it again at the token endpoint", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: true });
    const auth = await authorizeCode(browser, client);
    const res = await exchangeCode(client, auth, { redirect_uri: null });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("id_token_hint binds a parked request to its user (OIDC Core §3.1.2.1)", () => {
  it("another person signing in cannot complete a request hinted for someone else", async () => {
    const alice = await userWithPasskey();
    const client = await registerClient({ first_party: true });
    const { tokens } = await signInTokens(alice.browser, client);
    // A fresh browser (no session) carries Alice's hint; Bob signs in there.
    const bob = await userWithPasskey();
    const shared = new TestBrowser();
    const page = await shared.fetch(
      authorizePath(client, { pkce: await pkce(), extra: { id_token_hint: tokens.id_token! } }),
      { headers: { accept: "text/html" } },
    );
    expect(page.status, page.headers.get("location") ?? "").toBe(200);
    const rid = /rid=([A-Za-z0-9_-]+)/.exec(await page.text())![1]!;
    expect((await passkeySignIn(shared, bob.auth, `/authorize/continue?rid=${rid}`)).status).toBe(200);
    const resumed = await shared.fetch(`/authorize/continue?rid=${rid}`, { headers: { accept: "text/html" } });
    // No code for Bob: the sign-in page is shown again.
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get("location")).toBeNull();
    // Alice completes it.
    expect((await passkeySignIn(shared, alice.auth, `/authorize/continue?rid=${rid}`)).status).toBe(200);
    const done = await shared.fetch(`/authorize/continue?rid=${rid}`, { headers: { accept: "text/html" } });
    expect(done.status).toBe(302);
    expect(new URL(done.headers.get("location")!).searchParams.get("code")).toBeTruthy();
  });
});
