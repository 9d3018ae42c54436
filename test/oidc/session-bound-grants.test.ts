import { describe, expect, it } from "vitest";
import { userWithPasskey } from "../helpers/accounts";
import { consentTo, expectTokens, refresh, registerClient, signInTokens, userinfo } from "../helpers/oidc-client";

describe("grants and the sign-in session (OIDC Core §11)", () => {
  it("signing out revokes refresh tokens issued without offline_access", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: true, grant_types: ["authorization_code", "refresh_token"] });
    const { tokens } = await signInTokens(browser, client, { scope: "openid email" });
    expect(tokens.refresh_token).toBeTruthy();
    expect((await browser.fetch("/signout", { method: "POST", form: { csrf: await browser.csrf() } })).status).toBe(
      303,
    );
    const res = await refresh(client, tokens.refresh_token!);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it("offline_access grants the person consented to survive signing out of one device", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: true, grant_types: ["authorization_code", "refresh_token"] });
    await consentTo(browser, client);
    const { tokens } = await signInTokens(browser, client, { scope: "openid offline_access" });
    await browser.fetch("/signout", { method: "POST", form: { csrf: await browser.csrf() } });
    await expectTokens(await refresh(client, tokens.refresh_token!));
  });

  it("account compromise: sign out everywhere revokes every grant, offline ones included", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ first_party: true, grant_types: ["authorization_code", "refresh_token"] });
    await consentTo(browser, client);
    const { tokens } = await signInTokens(browser, client, { scope: "openid offline_access" });
    await browser.fetch("/account/sessions/end-all", { method: "POST", form: { csrf: await browser.csrf() } });
    const res = await refresh(client, tokens.refresh_token!);
    expect(res.status).toBe(400);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });
});
