/** User verification (WebAuthn L3 §7.1 step 15, §7.2 step 17): required by default; PASSKEY_USER_VERIFICATION=preferred relaxes it with a lower acr. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, parseConfig } from "../../src/config";
import { SIGN_IN_REFUSED } from "../../src/passkeys/refusal";
import { addPasskey, signUp } from "../helpers/accounts";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import { direct } from "../helpers/direct";
import { authorizeCode, exchangeCode, expectTokens, registerClient, verifyJwt } from "../helpers/oidc-client";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

const relaxed = { ...(env as unknown as Env), PASSKEY_USER_VERIFICATION: "preferred" } as Env;

async function credentialCount(email: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM credentials WHERE user_id = (SELECT id FROM users WHERE email = ?)",
  )
    .bind(email)
    .first<{ n: number }>();
  return row!.n;
}

describe("user verification is required by default", () => {
  it("options ask for it: userVerification is required for sign-in and registration", async () => {
    const { browser } = await signUp();
    const signIn = (await (await new TestBrowser().postJson("/auth/passkey/options", {})).json()) as {
      userVerification: string;
    };
    expect(signIn.userVerification).toBe("required");
    const register = (await (await browser.postJson("/auth/passkey/register/options", {})).json()) as {
      authenticatorSelection: { userVerification: string };
    };
    expect(register.authenticatorSelection.userVerification).toBe("required");
  });

  it("presence only: an assertion without UV (a touch, no PIN or biometric) gets no session", async () => {
    const { browser: owner } = await signUp();
    const auth = await addPasskey(owner);
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const res = await browser.postJson("/auth/passkey/verify", {
      response: await auth.authenticate(options as never, ORIGIN, { uv: false }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "verification_failed", message: SIGN_IN_REFUSED });
    expect(browser.sessionCookie).toBeUndefined();
    // The refusal spent nothing: the same challenge, answered with UV, signs in.
    expect(
      (await browser.postJson("/auth/passkey/verify", { response: await auth.authenticate(options as never, ORIGIN) }))
        .status,
    ).toBe(200);
  });

  it("presence only: a passkey created without UV is not registered", async () => {
    const { browser, email } = await signUp();
    const auth = await SoftAuthenticator.create({ uv: false });
    const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
    const res = await browser.postJson("/auth/passkey/register/verify", {
      response: await auth.register(options as never, ORIGIN),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "verification_failed" });
    expect(await credentialCount(email)).toBe(0);
  });

  it("a misspelt PASSKEY_USER_VERIFICATION is refused at startup", () => {
    expect(() => parseConfig({ ...(env as unknown as Env), PASSKEY_USER_VERIFICATION: "discouraged" })).toThrow(
      ConfigError,
    );
    expect(parseConfig(env as unknown as Env).passkeyUserVerification).toBe("required");
  });
});

describe("PASSKEY_USER_VERIFICATION=preferred", () => {
  it("a presence-only passkey registers and signs in, and its session gets the lower acr (passkey, no mfa in amr)", async () => {
    const { browser: owner, email } = await signUp();
    const auth = await SoftAuthenticator.create({ uv: false, backupEligible: true, backupState: true });
    const regOptions = (await (
      await direct(owner, relaxed, "/auth/passkey/register/options", {
        method: "POST",
        json: {},
        headers: { "x-csrf-token": await owner.csrf() },
      })
    ).json()) as { authenticatorSelection: { userVerification: string } };
    expect(regOptions.authenticatorSelection.userVerification).toBe("preferred");
    const reg = await direct(owner, relaxed, "/auth/passkey/register/verify", {
      method: "POST",
      json: { response: await auth.register(regOptions as never, ORIGIN) },
      headers: { "x-csrf-token": await owner.csrf() },
    });
    expect(reg.status).toBe(201);
    expect(await credentialCount(email)).toBe(1);

    const browser = new TestBrowser();
    const csrf = await browser.csrf();
    const options = await (
      await direct(browser, relaxed, "/auth/passkey/options", {
        method: "POST",
        json: {},
        headers: { "x-csrf-token": csrf },
      })
    ).json();
    expect((options as { userVerification: string }).userVerification).toBe("preferred");
    const res = await direct(browser, relaxed, "/auth/passkey/verify", {
      method: "POST",
      json: { response: await auth.authenticate(options as never, ORIGIN) },
      headers: { "x-csrf-token": csrf },
    });
    expect(res.status).toBe(200);

    const client = await registerClient();
    const tokens = await expectTokens(await exchangeCode(client, await authorizeCode(browser, client)));
    const { payload } = await verifyJwt(tokens.id_token!, { audience: client.client_id });
    expect(payload.amr).toEqual(["pop", "user"]);
    expect(payload.acr).toBe("passkey");
  });
});
