import { beforeAll, describe, expect, it } from "vitest";
import { userWithPasskey } from "../helpers/accounts";
import type { TestBrowser } from "../helpers/browser";
import {
  authorizeCode,
  exchangeCode,
  expectTokens,
  refresh,
  registerClient,
  signInTokens,
  type TokenSet,
  userinfo,
} from "../helpers/oidc-client";

let browser: TestBrowser;

beforeAll(async () => {
  ({ browser } = await userWithPasskey());
});

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

describe("single use under concurrency (the user's Durable Object decides)", () => {
  it("code race: the same code redeemed 20 times in parallel yields exactly one token response", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    const results = await Promise.all(Array.from({ length: 20 }, () => exchangeCode(client, auth)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    const losers = results.filter((r) => r.status !== 200);
    expect(losers.every((r) => r.status === 400)).toBe(true);
    expect(new Set(await Promise.all(losers.map(errorOf)))).toEqual(new Set(["invalid_grant"]));
    // The other 19 were replays (RFC 6749 §4.1.2): what the winner got is revoked.
    const winner = (await ok[0]!.json()) as TokenSet;
    expect((await refresh(client, winner.refresh_token!)).status).toBe(400);
    expect((await userinfo(winner.access_token)).status).toBe(401);
  });

  it("refresh race: the same refresh token used 10 times in parallel yields at most one response, and the family is then revoked", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(client, tokens.refresh_token!)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    const losers = results.filter((r) => r.status !== 200);
    expect(new Set(await Promise.all(losers.map(errorOf)))).toEqual(new Set(["invalid_grant"]));
    if (ok.length === 1) {
      // Every loser presented a rotated token: reuse (RFC 9700 §4.14.2) revokes the family, the winner's new token included.
      const winner = (await ok[0]!.json()) as TokenSet;
      expect((await refresh(client, winner.refresh_token!)).status).toBe(400);
      expect((await userinfo(winner.access_token)).status).toBe(401);
    }
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it("no false replays: 10 different codes of one user exchanged in parallel all succeed", async () => {
    const client = await registerClient();
    const auths = [];
    for (let i = 0; i < 10; i++) auths.push(await authorizeCode(browser, client));
    const results = await Promise.all(auths.map((a) => exchangeCode(client, a)));
    for (const r of results) await expectTokens(r);
  });
});
