/** The user's Durable Object seen from inside: housekeeping by its alarm, and nothing stored for made-up ids. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { identityKey } from "../../src/db/federated-identities";
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

describe("sessions started through an upstream identity", () => {
  it("end when it is unlinked, but the session that unlinked it and those of other identities stay", async () => {
    const stub = env.USER.get(env.USER.idFromName("user:identity-sessions-0001"));
    const now = Date.now();
    const identity = identityKey("acme", "sub-1");
    const base = {
      userAgent: "t",
      country: null,
      amr: ["fed" as const],
      method: "federation" as const,
      credentialId: null,
      crossDevice: false,
      idleTtlMs: 60_000,
      absoluteTtlMs: 600_000,
    };
    const start = (sid: string, through: string | null) =>
      stub.signIn(
        { id: `fed:${sid}`, expiresAt: now + 60_000 },
        { ...base, sid, secretHash: `h-${sid}`, identity: through },
        now,
      );
    await start("a", identity);
    await start("b", identity);
    await start("c", identityKey("acme", "sub-2"));
    await start("d", null);
    expect(await stub.endSessionsThrough(identity, "b", now)).toEqual(["a"]);
    const left = (await stub.listSessions(now)).map((s) => s.sid).sort();
    expect(left).toEqual(["b", "c", "d"]);
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
