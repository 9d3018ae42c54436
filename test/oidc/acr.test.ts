/** amr and acr tell the truth (RFC 8176 §2, OIDC Core §2), and acr_values is honoured (OIDC Core §3.1.2.1). */
import { describe, expect, it } from "vitest";
import { idTokenClaims, type TokenSubject } from "../../src/oidc/token-claims";
import type { Amr } from "../../src/user/types";
import { addPasskey, passkeySignIn, signUp, userWithPasskey } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";
import {
  authorizeCode,
  authorizePath,
  exchangeCode,
  expectTokens,
  pkce,
  redirectParams,
  registerClient,
  type TestClient,
  verifyJwt,
} from "../helpers/oidc-client";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

const HTML = { accept: "text/html" };

async function idToken(browser: TestBrowser, client: TestClient, extra: Record<string, string> = {}) {
  const tokens = await expectTokens(await exchangeCode(client, await authorizeCode(browser, client, { extra })));
  return (await verifyJwt(tokens.id_token!, { audience: client.client_id })).payload;
}

function published(amr: Amr[]) {
  const subject: TokenSubject = {
    issuer: "https://id.example",
    userId: "u",
    clientId: "c",
    scope: new Set(["openid"]),
    sid: "s",
    authTime: 0,
    amr,
    claims: { email: "a@b.example", email_verified: true, name: null },
    familyId: "f",
  };
  const claims = idTokenClaims(subject, null, "h", "j", 1000);
  return { amr: claims.amr, acr: claims.acr };
}

describe("amr / acr truth (RFC 8176 §2)", () => {
  it("hwk from an unattested flag: a device-bound passkey (BE=0, could be a software key) is not claimed as hardware", async () => {
    const { browser: owner } = await signUp();
    const auth = await addPasskey(owner, await SoftAuthenticator.create({ backupEligible: false, backupState: false }));
    const browser = new TestBrowser();
    expect((await passkeySignIn(browser, auth)).status).toBe(200);
    const payload = await idToken(browser, await registerClient());
    expect(payload.amr).toEqual(["pop", "user", "mfa"]);
    expect(payload.acr).toBe("passkey-uv");
  });

  it("records written before the mapping (hwk, swk, email) publish only registered values, and acr follows what was proven", () => {
    expect(published(["pop", "hwk", "mfa"])).toEqual({ amr: ["pop", "user", "mfa"], acr: "passkey-uv" });
    expect(published(["pop", "swk"])).toEqual({ amr: ["pop", "user"], acr: "passkey" });
    expect(published(["email"])).toEqual({ amr: ["otp"], acr: "email-link" });
    expect(published(["otp"])).toEqual({ amr: ["otp"], acr: "email-link" });
  });

  it("distinct acr per method: an emailed link and a passkey sign-in of one account get different classes", async () => {
    const { browser: linkBrowser } = await signUp();
    const auth = await addPasskey(linkBrowser);
    const client = await registerClient();
    expect(await idToken(linkBrowser, client)).toMatchObject({ amr: ["otp"], acr: "email-link" });
    const passkeyBrowser = new TestBrowser();
    expect((await passkeySignIn(passkeyBrowser, auth)).status).toBe(200);
    expect(await idToken(passkeyBrowser, client)).toMatchObject({ amr: ["pop", "user", "mfa"], acr: "passkey-uv" });
  });
});

describe("acr_values (OIDC Core §3.1.2.1)", () => {
  it("step-up: acr_values=passkey-uv with an email-link session shows the sign-in page instead of SSO; the passkey sign-in it leads to satisfies it", async () => {
    const { browser } = await signUp();
    const auth = await addPasskey(browser);
    const client = await registerClient();
    const verifier = await pkce();
    const res = await browser.fetch(authorizePath(client, { pkce: verifier, extra: { acr_values: "passkey-uv" } }), {
      headers: HTML,
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    const returnTo = /data-return-to="(\/authorize\/continue\?rid=[A-Za-z0-9_-]+)"/.exec(html)?.[1];
    expect(returnTo, "the sign-in page carries the parked request").toBeDefined();
    // Back to the parked request with the email-link session still in place: still the sign-in page.
    const still = await browser.fetch(returnTo!, { headers: HTML });
    expect(still.status).toBe(200);
    expect(still.headers.get("location")).toBeNull();
    const signedIn = await passkeySignIn(browser, auth, returnTo);
    expect(signedIn.status).toBe(200);
    const params = redirectParams(await browser.fetch(returnTo!, { headers: HTML }));
    expect(params.code).toBeDefined();
    const tokens = await expectTokens(
      await exchangeCode(client, { code: params.code!, state: params.state!, nonce: "", pkce: verifier, params }),
    );
    const { payload } = await verifyJwt(tokens.id_token!, { audience: client.client_id });
    expect(payload.acr).toBe("passkey-uv");
  });

  it("step-up under prompt=none: a session weaker than acr_values gets login_required, not a code", async () => {
    const { browser } = await signUp();
    const client = await registerClient();
    const params = redirectParams(
      await browser.fetch(
        authorizePath(client, { pkce: await pkce(), extra: { acr_values: "passkey passkey-uv", prompt: "none" } }),
        { headers: HTML },
      ),
    );
    expect(params.error).toBe("login_required");
    expect(params.code).toBeUndefined();
  });

  it("a stronger sign-in satisfies a weaker class; values Latchkey does not define cannot be checked and are ignored", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient();
    expect(await idToken(browser, client, { acr_values: "email-link" })).toMatchObject({ acr: "passkey-uv" });
    expect(await idToken(browser, client, { acr_values: "urn:example:unknown" })).toMatchObject({ acr: "passkey-uv" });
  });
});
