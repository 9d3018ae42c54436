/**
 * Races: one single-use value (passkey challenge, magic link, registration challenge) spent by parallel
 * requests. Exactly one wins, because the decision is made inside the user's Durable Object, never in KV.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config";
import { addPasskey, redeemLink, requestLinkToken, storedLinkFor, uniqueEmail } from "../helpers/accounts";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import { direct } from "../helpers/direct";
import { testEnv, userIdOf, userStub } from "../helpers/oidc-client";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

const PARALLEL = 10;

async function sessionCount(userId: string): Promise<number> {
  return (await userStub(userId).listSessions(Date.now())).length;
}

async function credentialCount(userId: string): Promise<number> {
  return (await testEnv.DB.prepare("SELECT count(*) AS n FROM credentials WHERE user_id = ?")
    .bind(userId)
    .first<{ n: number }>())!.n;
}

/** A signed-in account made through the real redeem (token minted straight into KV). */
async function freshUser(prefix: string): Promise<{ browser: TestBrowser; email: string; userId: string }> {
  const email = uniqueEmail(prefix);
  const browser = new TestBrowser();
  const token = await storedLinkFor(browser, email);
  expect((await redeemLink(browser, token)).status).toBe(303);
  return { browser, email, userId: userIdOf(browser) };
}

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

async function browsersWithCsrf(n: number): Promise<TestBrowser[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const b = new TestBrowser();
      await b.csrf();
      return b;
    }),
  );
}

/**
 * A D1 binding whose credential SELECTs finish only after `hold` resolves (`read` resolves when one has run):
 * a sign-in that read a credential can be made to write after another sign-in's write.
 */
function gateCredentialReads(d1: D1Database, hold: Promise<void>): { db: D1Database; read: Promise<void> } {
  let signal!: () => void;
  const read = new Promise<void>((r) => (signal = r));
  const gate = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => gate(target.bind(...values), sql);
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        if (!/^select .* from "credentials"/i.test(sql) || !["raw", "first", "all"].includes(String(prop)))
          return (value as (...a: unknown[]) => unknown).bind(target);
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          signal();
          await hold;
          return result;
        };
      },
    });
  const db = new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => gate(target.prepare(sql), sql);
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db, read };
}

describe("races on single-use values", () => {
  it("passkey challenge replay race: one assertion (counter 0) sent 10 times in parallel from the same browser signs in once", async () => {
    const { browser: owner, userId } = await freshUser("race-signin");
    const auth = await addPasskey(owner, await SoftAuthenticator.create());
    const before = await sessionCount(userId);
    const browser = new TestBrowser();
    const csrf = await browser.csrf();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    // Counter 0 (a synced passkey's): the sign counter cannot tell replays apart, only the challenge can.
    const response = await auth.authenticate(options as never, ORIGIN, { counter: 0 });
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        browser.fetch("/auth/passkey/verify", {
          method: "POST",
          json: { response },
          headers: { "x-csrf-token": csrf },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 200),
      JSON.stringify(statuses),
    ).toHaveLength(1);
    const losers = results.filter((r) => r.status !== 200);
    expect(losers.map((r) => r.status)).toEqual(Array(PARALLEL - 1).fill(400));
    expect(new Set(await Promise.all(losers.map(errorOf)))).toEqual(new Set(["challenge_replayed"]));
    expect(await sessionCount(userId)).toBe(before + 1);
    // The counter stayed at 0 and the passkey still works for the next, fresh ceremony.
    const again = await (await browser.postJson("/auth/passkey/options", {})).json();
    const next = await browser.postJson("/auth/passkey/verify", {
      response: await auth.authenticate(again as never, ORIGIN, { counter: 0 }),
    });
    expect(next.status).toBe(200);
  });

  it("cloned authenticator race: a sign-in that read the credential before another one's write cannot record the same counter (WebAuthn L3 §7.2 step 22)", async () => {
    const { browser: owner, userId } = await freshUser("race-counter");
    const auth = await addPasskey(owner, await SoftAuthenticator.create());
    const before = await sessionCount(userId);
    // A counting authenticator and its copy: both sign counter 7, each over its own fresh challenge.
    const ceremony = async () => {
      const browser = new TestBrowser();
      const csrf = await browser.csrf();
      const options = await (await browser.postJson("/auth/passkey/options", {})).json();
      return { browser, csrf, response: await auth.authenticate(options as never, ORIGIN, { counter: 7 }) };
    };
    const [first, copy] = await Promise.all([ceremony(), ceremony()]);
    // The copy's sign-in reads the credential (counter 0), then is held until the first one has signed in.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const gated = gateCredentialReads(testEnv.DB, held);
    const verify = (c: typeof first, env: Env) =>
      direct(c.browser, env, "/auth/passkey/verify", {
        json: { response: c.response },
        headers: { "x-csrf-token": c.csrf },
      });
    const copyRes = verify(copy, { ...testEnv, DB: gated.db });
    await gated.read;
    const firstRes = await verify(first, testEnv);
    expect(firstRes.status).toBe(200);
    release();
    const late = await copyRes;
    expect(late.status).toBe(400);
    expect(await errorOf(late)).toBe("counter_regression");
    expect(await sessionCount(userId)).toBe(before + 1);
    const row = await testEnv.DB.prepare("SELECT counter FROM credentials WHERE id = ?")
      .bind(auth.credentialId)
      .first<{ counter: number }>();
    expect(row!.counter).toBe(7);
  });

  it("magic link replay race, known user: one link redeemed 10 times in parallel makes exactly one session", async () => {
    const { browser: requester, email, userId } = await freshUser("race-known");
    const token = await requestLinkToken(requester, email);
    const before = await sessionCount(userId);
    const browsers = await browsersWithCsrf(PARALLEL);
    const results = await Promise.all(browsers.map((b) => redeemLink(b, token)));
    expect(
      results.filter((r) => r.status === 303).map((r) => r.status),
      JSON.stringify(results.map((r) => r.status)),
    ).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(PARALLEL - 1);
    expect(browsers.filter((b) => b.sessionCookie !== undefined)).toHaveLength(1);
    expect(await sessionCount(userId)).toBe(before + 1);
  });

  it("magic link replay race, new address: one link redeemed 10 times in parallel makes one user with one session", async () => {
    const email = uniqueEmail("race-new");
    const token = await requestLinkToken(new TestBrowser(), email);
    const browsers = await browsersWithCsrf(PARALLEL);
    const results = await Promise.all(browsers.map((b) => redeemLink(b, token)));
    expect(
      results.filter((r) => r.status === 303),
      JSON.stringify(results.map((r) => r.status)),
    ).toHaveLength(1);
    const users = await testEnv.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).all<{ id: string }>();
    expect(users.results).toHaveLength(1);
    expect(await sessionCount(users.results[0]!.id)).toBe(1);
  });

  it("registration challenge replay race: two authenticators answering one challenge in parallel store one credential", async () => {
    const { browser, userId } = await freshUser("race-reg");
    const csrf = await browser.csrf();
    const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
    const [a, b] = await Promise.all([SoftAuthenticator.create(), SoftAuthenticator.create()]);
    const responses = [await a.register(options as never, ORIGIN), await b.register(options as never, ORIGIN)];
    const results = await Promise.all(
      responses.map((response) =>
        browser.fetch("/auth/passkey/register/verify", {
          method: "POST",
          json: { response },
          headers: { "x-csrf-token": csrf },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
    expect(await errorOf(results.find((r) => r.status === 400)!)).toBe("challenge_replayed");
    expect(await credentialCount(userId)).toBe(1);
  });

  it("registration replay race: the same attestation sent twice in parallel stores one credential", async () => {
    const { browser, userId } = await freshUser("race-reg-same");
    const csrf = await browser.csrf();
    const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
    const response = await (await SoftAuthenticator.create()).register(options as never, ORIGIN);
    const results = await Promise.all(
      [1, 2].map(() =>
        browser.fetch("/auth/passkey/register/verify", {
          method: "POST",
          json: { response },
          headers: { "x-csrf-token": csrf },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
    expect(await credentialCount(userId)).toBe(1);
  });
});
