import { beforeAll, describe, expect, it } from "vitest";
import { userWithPasskey } from "../helpers/accounts";
import type { TestBrowser } from "../helpers/browser";
import {
  consentTo,
  expectTokens,
  refresh,
  registerClient,
  signInTokens,
  type TokenSet,
  userinfo,
  verifyJwt,
} from "../helpers/oidc-client";

let browser: TestBrowser;

beforeAll(async () => {
  ({ browser } = await userWithPasskey());
});

async function expectInvalid(res: Response, error = "invalid_grant"): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(((await res.json()) as { error: string }).error).toBe(error);
}

describe("refresh: rotation (RFC 9700 §4.14.2, RFC 6749 §6)", () => {
  it("every refresh returns a new refresh token and working tokens; the refreshed ID token keeps sub, aud, azp and auth_time (OIDC Core §12.2)", async () => {
    const client = await registerClient();
    await consentTo(browser, client);
    const { tokens: first } = await signInTokens(browser, client, { scope: "openid email offline_access" });
    const original = (await verifyJwt(first.id_token!, { audience: client.client_id })).payload;
    const seen = new Set([first.refresh_token!]);
    let current: TokenSet = first;
    for (let i = 0; i < 3; i++) {
      current = await expectTokens(await refresh(client, current.refresh_token!));
      expect(current.refresh_token).toBeTruthy();
      expect(seen.has(current.refresh_token!)).toBe(false);
      seen.add(current.refresh_token!);
      expect(current.scope).toBe("openid email offline_access");
      expect((await userinfo(current.access_token)).status).toBe(200);
    }
    const { payload } = await verifyJwt(current.id_token!, { audience: client.client_id });
    expect(payload).toMatchObject({
      sub: original.sub,
      aud: original.aud,
      azp: original.azp,
      auth_time: original.auth_time,
      email: original.email,
    });
  });

  it("refresh-token theft: reusing a rotated token gets invalid_grant and revokes the whole family, newest token and its access token included", async () => {
    const client = await registerClient();
    const { tokens: first } = await signInTokens(browser, client);
    const second = await expectTokens(await refresh(client, first.refresh_token!));
    const third = await expectTokens(await refresh(client, second.refresh_token!));
    // The attacker replays the first (already rotated) token.
    await expectInvalid(await refresh(client, first.refresh_token!));
    // The legitimate client's newest token is dead too, and so is the access token issued with it.
    await expectInvalid(await refresh(client, third.refresh_token!));
    expect((await userinfo(third.access_token)).status).toBe(401);
    expect((await userinfo(first.access_token)).status).toBe(401);
  });

  it("a narrower scope may be asked for (RFC 6749 §6); leaving scope out gives the original grant back", async () => {
    const client = await registerClient();
    await consentTo(browser, client);
    const { tokens } = await signInTokens(browser, client, { scope: "openid email offline_access" });
    const narrow = await expectTokens(await refresh(client, tokens.refresh_token!, { scope: "openid" }));
    expect(narrow.scope).toBe("openid");
    const { payload } = await verifyJwt(narrow.access_token, { typ: "at+jwt" });
    expect(payload.scope).toBe("openid");
    expect((await verifyJwt(narrow.id_token!, { audience: client.client_id })).payload.email).toBeUndefined();
    const full = await expectTokens(await refresh(client, narrow.refresh_token!));
    expect(full.scope).toBe("openid email offline_access");
  });

  it("scope escalation: a wider scope gets invalid_scope", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client, { scope: "openid" });
    await expectInvalid(await refresh(client, tokens.refresh_token!, { scope: "openid email" }), "invalid_scope");
  });

  it("a malformed scope (empty, or one no grant can hold) gets invalid_scope and does not spend the refresh token", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client, { scope: "openid" });
    await expectInvalid(await refresh(client, tokens.refresh_token!, { scope: "" }), "invalid_scope");
    await expectInvalid(await refresh(client, tokens.refresh_token!, { scope: "openid admin" }), "invalid_scope");
    await expectTokens(await refresh(client, tokens.refresh_token!));
  });

  // KNOWN BUG (needs src/user/user-do.ts): UserDO.rotateRefresh rotates before token.ts can compare the requested
  // scope with the family's, so an invalid_scope answer spends the token and the client's next use looks like reuse.
  // Fix: pass the requested scope into rotateRefresh and refuse it there before rotating. Remove `.fails` then.
  it("scope escalation does not burn the grant: the refresh token still works after an invalid_scope answer", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client, { scope: "openid" });
    await expectInvalid(await refresh(client, tokens.refresh_token!, { scope: "openid email" }), "invalid_scope");
    await expectTokens(await refresh(client, tokens.refresh_token!));
  });

  it("refresh-token theft across clients: another client gets invalid_grant, and the owner's token keeps working (RFC 6749 §6)", async () => {
    const owner = await registerClient();
    const thief = await registerClient();
    const { tokens } = await signInTokens(browser, owner);
    await expectInvalid(await refresh(thief, tokens.refresh_token!));
    await expectTokens(await refresh(owner, tokens.refresh_token!));
  });

  it("forged refresh tokens get invalid_grant", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    const [userId] = tokens.refresh_token!.split(".");
    for (const forged of ["nope", `${userId}.${"A".repeat(43)}`, `${"B".repeat(22)}.${"A".repeat(43)}`]) {
      await expectInvalid(await refresh(client, forged));
    }
    await expectInvalid(await refresh(client, ""), "invalid_request");
  });
});
