/** The user's Durable Object seen from inside: housekeeping by its alarm, and nothing stored for made-up ids. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UserDO } from "../../src/user/user-do";
import { TestBrowser } from "../helpers/browser";

describe("the user's Durable Object", () => {
  it("expired sessions and consumed ids are purged by the Durable Object alarm", async () => {
    const stub = env.USER.get(env.USER.idFromName("user:purge-test-user-0001"));
    const now = Date.now();
    const input = {
      secretHash: "h1",
      sid: "s1",
      userAgent: "t",
      country: null,
      amr: ["email" as const],
      method: "email" as const,
      credentialId: null,
      crossDevice: false,
      idleTtlMs: 1000,
      absoluteTtlMs: 5000,
    };
    await stub.signIn({ id: "challenge:x", expiresAt: now + 1000 }, input, now);
    expect(await stub.listSessions(now)).toHaveLength(1);
    const removed = await runInDurableObject(stub, (instance: UserDO) => instance.purge(now + 10_000));
    expect(removed).toBe(2);
    expect(await stub.listSessions(now)).toHaveLength(0);
    // Purged consumption records are past their expiry, so they can no longer be replayed anyway.
    expect(await stub.getSession("h1", now)).toBeNull();
  });
});

describe("forged identifiers", () => {
  it("a forged session cookie for a made-up user id creates no Durable Object storage", async () => {
    const fakeUser = "forged-user-id-00000000";
    const browser = new TestBrowser();
    browser.cookies.set("lk_session", `${fakeUser}.${"a".repeat(43)}`);
    const res = await browser.fetch("/account", { headers: { accept: "text/html" } });
    expect(res.status).toBe(302);
    const stub = env.USER.get(env.USER.idFromName(`user:${fakeUser}`));
    const userTables =
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'";
    const tables = await runInDurableObject(stub, (_i: UserDO, state) => state.storage.sql.exec(userTables).one().n);
    expect(tables).toBe(0);
  });
});
