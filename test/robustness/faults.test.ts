/**
 * Fault injection: a D1, KV or Durable Object call that throws in the middle of a flow answers a clean 503
 * with Retry-After in the endpoint's error format and leaves no half-written record behind. Each flow is run
 * once cleanly to count its storage calls, then once per call index with exactly that call failing.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config";
import { clearSigningKeyCache } from "../../src/keys/signing-keys";
import { clearClientCache } from "../../src/oidc/clients";
import { addPasskey, redeemLink, storedLinkFor, uniqueEmail } from "../helpers/accounts";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import { direct } from "../helpers/direct";
import { FaultEnv, type FaultPlan, type StorageCall } from "../helpers/fault-env";
import { listMail, waitForMail } from "../helpers/mailbox";
import { authorizeCode, registerClient, type TestClient, testEnv, userIdOf, userStub } from "../helpers/oidc-client";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

type Format = "api" | "oauth" | "html";

/** A storage fault answers 503 + Retry-After in the endpoint's format, never a 500 or a success. */
async function expectUnavailable(res: Response, format: Format, where: string): Promise<void> {
  const text = await res.clone().text();
  expect(res.status, `${where}: ${text.slice(0, 300)}`).toBe(503);
  expect(res.headers.get("cache-control"), where).toContain("no-store");
  // HTML pages: see "an HTML error page for a storage fault carries Retry-After" below.
  if (format !== "html") expect(Number(res.headers.get("retry-after")), `${where}: Retry-After`).toBeGreaterThan(0);
  if (format === "html") {
    expect(res.headers.get("content-type"), where).toMatch(/^text\/html/);
    expect(text, where).toMatch(/^<!doctype html>/i);
    return;
  }
  expect(res.headers.get("content-type"), where).toMatch(/^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body.error, where).toBe("temporarily_unavailable");
  // Latchkey's JSON API: {error, message}; OAuth (RFC 6749 §5.2): {error, error_description}.
  expect(typeof body[format === "api" ? "message" : "error_description"], where).toBe("string");
}

async function sessionCount(userId: string): Promise<number> {
  return (await userStub(userId).listSessions(Date.now())).length;
}

async function scalar(sql: string, ...params: unknown[]): Promise<number> {
  return (await testEnv.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;
}

/** Every credential belongs to an existing user (no half-written passkey anywhere). */
async function expectNoOrphanCredentials(where: string): Promise<void> {
  expect(
    await scalar("SELECT count(*) AS n FROM credentials c LEFT JOIN users u ON u.id = c.user_id WHERE u.id IS NULL"),
    where,
  ).toBe(0);
}

/** A signed-in user made through the real magic-link redeem (token minted straight into KV: no mail round trip). */
async function freshUser(prefix: string): Promise<{ browser: TestBrowser; email: string; userId: string }> {
  const email = uniqueEmail(prefix);
  const browser = new TestBrowser();
  const token = await storedLinkFor(browser, email);
  expect((await redeemLink(browser, token)).status).toBe(303);
  return { browser, email, userId: userIdOf(browser) };
}

/**
 * One flow under test. `run` drives its requests through `env` and returns the first response that is not
 * the step's success (or the last one). `check` asserts the invariants after a fault; `retry` shows the flow
 * still completes on healthy storage afterwards.
 */
interface Flow<S> {
  format: Format;
  setup(): Promise<S>;
  run(state: S, env: Env): Promise<{ res: Response; ok: boolean }>;
  check(state: S, fault: StorageCall, clean: StorageCall[]): Promise<void>;
  retry(state: S): Promise<void>;
  /** Called before every run (e.g. to empty isolate caches so the cold path is exercised). */
  beforeRun?(): void;
  /** Best-effort calls (e.g. in waitUntil) whose failure the flow absorbs: it still succeeds. */
  tolerates?(call: StorageCall): boolean;
  /** After a tolerated fault: the flow succeeded once, and nothing lets it succeed twice. */
  afterTolerated?(state: S): Promise<void>;
}

/** Runs the flow cleanly to count its calls, then fails call 1, 2, …, N in turn. Returns the clean run's calls. */
async function sweep<S>(flow: Flow<S>, when: FaultPlan["when"] = "before"): Promise<StorageCall[]> {
  const cleanState = await flow.setup();
  const clean = new FaultEnv(testEnv);
  flow.beforeRun?.();
  const first = await flow.run(cleanState, clean.env);
  expect(first.ok, `clean run: ${first.res.status} ${await first.res.clone().text()}`).toBe(true);
  expect(clean.count()).toBeGreaterThan(0);
  for (let at = 1; at <= clean.count(); at++) {
    const state = await flow.setup();
    const faulty = new FaultEnv(testEnv, { at, when });
    flow.beforeRun?.();
    const { res, ok } = await flow.run(state, faulty.env);
    const where = `fault ${when} ${faulty.describe()} (clean run: ${clean.calls.map((c) => `${c.binding}.${c.method}`).join(", ")})`;
    expect(faulty.injected, where).not.toBeNull();
    if (isAuditWrite(faulty.injected!) || flow.tolerates?.(faulty.injected!)) {
      expect(ok, `${where}: a best-effort call failing does not fail the flow (${res.status})`).toBe(true);
      await flow.afterTolerated?.(state);
      continue;
    }
    await expectUnavailable(res, flow.format, where);
    await flow.check(state, faulty.injected!, clean.calls);
    await flow.retry(state);
  }
  return clean.calls;
}

/**
 * The audit log and last_sign_in_at are written in waitUntil, after the answer (src/audit/record.ts): a failure there
 * is logged and absorbed, so the flow succeeds.
 */
function isAuditWrite(call: StorageCall): boolean {
  return (
    call.binding === "DB" && /^(insert into "audit_events"|update "users" set "last_sign_in_at")/i.test(call.detail)
  );
}

function isUserInsert(call: StorageCall): boolean {
  return call.binding === "DB" && /^insert into "users"/i.test(call.detail);
}

describe("storage faults in passkey registration", () => {
  interface S {
    browser: TestBrowser;
    userId: string;
    csrf: string;
    auth: SoftAuthenticator;
  }
  const flow: Flow<S> = {
    format: "api",
    async setup() {
      const { browser, userId } = await freshUser("fault-reg");
      return { browser, userId, csrf: await browser.csrf(), auth: await SoftAuthenticator.create() };
    },
    async run(s, env) {
      const headers = { "x-csrf-token": s.csrf };
      const options = await direct(s.browser, env, "/auth/passkey/register/options", { json: {}, headers });
      if (options.status !== 200) return { res: options, ok: false };
      const response = await s.auth.register((await options.json()) as never, ORIGIN);
      const res = await direct(s.browser, env, "/auth/passkey/register/verify", { json: { response }, headers });
      return { res, ok: res.status === 201 };
    },
    async check(s, fault) {
      const where = `after ${fault.binding}.${fault.method}`;
      expect(await scalar("SELECT count(*) AS n FROM credentials WHERE user_id = ?", s.userId), where).toBe(0);
      await expectNoOrphanCredentials(where);
      expect(await sessionCount(s.userId), `${where}: the session survives`).toBe(1);
    },
    async retry(s) {
      const auth = await SoftAuthenticator.create();
      await addPasskey(s.browser, auth);
      expect(await scalar("SELECT count(*) AS n FROM credentials WHERE user_id = ?", s.userId)).toBe(1);
    },
  };

  it("a D1, KV or DO call failing at any step answers 503 and stores no credential; registering again works", async () => {
    const calls = await sweep(flow);
    // getSession, user, credentials, challenge put | getSession, user, challenge get, consumeOnce, insert.
    expect(calls.map((c) => c.binding)).toEqual(expect.arrayContaining(["DB", "KV", "USER"]));
  }, 60_000);
});

describe("storage faults in passkey sign-in", () => {
  interface S {
    browser: TestBrowser;
    userId: string;
    auth: SoftAuthenticator;
    csrf: string;
    sessions: number;
    counter: number;
  }
  // One user, many sign-ins: each attempt uses a new browser and a new challenge.
  let owner: Promise<{ userId: string; auth: SoftAuthenticator }> | null = null;
  const flow: Flow<S> = {
    format: "api",
    async setup() {
      owner ??= (async () => {
        const { browser, userId } = await freshUser("fault-signin");
        return { userId, auth: await addPasskey(browser) };
      })();
      const { userId, auth } = await owner;
      const browser = new TestBrowser();
      const counter = await scalar("SELECT counter AS n FROM credentials WHERE id = ?", auth.credentialId);
      return { browser, userId, auth, csrf: await browser.csrf(), sessions: await sessionCount(userId), counter };
    },
    async run(s, env) {
      const headers = { "x-csrf-token": s.csrf };
      const options = await direct(s.browser, env, "/auth/passkey/options", { json: {}, headers });
      if (options.status !== 200) return { res: options, ok: false };
      const response = await s.auth.authenticate((await options.json()) as never, ORIGIN);
      const res = await direct(s.browser, env, "/auth/passkey/verify", { json: { response }, headers });
      return { res, ok: res.status === 200 };
    },
    async check(s, fault) {
      const where = `after ${fault.binding}.${fault.method}`;
      expect(s.browser.sessionCookie, `${where}: no session cookie`).toBeUndefined();
      expect(await sessionCount(s.userId), `${where}: no session in the user's object`).toBe(s.sessions);
    },
    async retry(s) {
      const options = await (await s.browser.postJson("/auth/passkey/options", {})).json();
      const response = await s.auth.authenticate(options as never, ORIGIN);
      const res = await s.browser.postJson("/auth/passkey/verify", { response });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await sessionCount(s.userId)).toBe(s.sessions + 1);
    },
  };

  it("a D1, KV or DO call failing at any step answers 503, creates no session, and signing in again works", async () => {
    await sweep(flow);
  }, 60_000);
});

describe("storage faults in magic-link redeem", () => {
  interface S {
    browser: TestBrowser;
    email: string;
    token: string;
    userId: string | null;
    sessions: number;
  }
  const redeem = async (s: S, env: Env) => {
    const res = await direct(s.browser, env, "/auth/link", { form: { token: s.token, csrf: await s.browser.csrf() } });
    return { res, ok: res.status === 303 };
  };
  // Forgetting the KV record and ending the address's live link come after the session: failing them is tolerated
  // (the DO refuses a replay; a live link left behind only coalesces requests until it expires).
  const tolerates = (call: StorageCall) =>
    (call.binding === "KV" && call.method === "delete") || (call.binding === "USER" && call.method === "endLiveLink");
  const afterTolerated = async (s: S) => {
    // The KV record outlived the redeem; the Durable Object still refuses the link a second time.
    const again = await redeemLink(new TestBrowser(), s.token);
    expect(again.status).toBe(400);
    const user = await testEnv.DB.prepare("SELECT id FROM users WHERE email = ?").bind(s.email).first<{ id: string }>();
    expect(await sessionCount(user!.id)).toBe(s.sessions + 1);
  };
  const retry = async (s: S) => {
    // The link was not spent by the failed attempt: it still signs in, once.
    const res = await redeemLink(s.browser, s.token);
    expect(res.status, await res.clone().text()).toBe(303);
    expect(s.browser.sessionCookie).toBeDefined();
    const userId = userIdOf(s.browser);
    expect(await sessionCount(userId)).toBe(s.sessions + 1);
    expect(await scalar("SELECT count(*) AS n FROM users WHERE email = ?", s.email)).toBe(1);
  };

  it("new address: a failure at any step answers 503, leaves no user before the insert, and the link still works", async () => {
    await sweep<S>({
      format: "html",
      async setup() {
        const email = uniqueEmail("fault-new");
        const browser = new TestBrowser();
        const token = await storedLinkFor(browser, email);
        return { browser, email, token, userId: null, sessions: 0 };
      },
      run: redeem,
      tolerates,
      afterTolerated,
      async check(s, fault, clean) {
        const where = `after ${fault.binding}.${fault.method}`;
        expect(s.browser.sessionCookie, `${where}: no session cookie`).toBeUndefined();
        const insertAt = clean.findIndex(isUserInsert) + 1;
        expect(insertAt, "the clean run inserts the user").toBeGreaterThan(0);
        const users = await scalar("SELECT count(*) AS n FROM users WHERE email = ?", s.email);
        if (fault.index <= insertAt) expect(users, `${where}: no user row before the insert`).toBe(0);
        const user = await testEnv.DB.prepare("SELECT id FROM users WHERE email = ?")
          .bind(s.email)
          .first<{ id: string }>();
        if (user) expect(await sessionCount(user.id), `${where}: no session`).toBe(0);
      },
      retry,
    });
  }, 60_000);

  it("known user: a failure at any step answers 503, creates no session, and the link still works", async () => {
    await sweep<S>({
      format: "html",
      async setup() {
        const { email, userId } = await freshUser("fault-known");
        const browser = new TestBrowser();
        const token = await storedLinkFor(browser, email, userId);
        return { browser, email, token, userId, sessions: await sessionCount(userId) };
      },
      run: redeem,
      tolerates,
      afterTolerated,
      async check(s, fault) {
        const where = `after ${fault.binding}.${fault.method}`;
        expect(s.browser.sessionCookie, `${where}: no session cookie`).toBeUndefined();
        expect(await sessionCount(s.userId!), `${where}: no session`).toBe(s.sessions);
      },
      retry,
    });
  }, 60_000);
});

describe("storage faults in a magic-link request (rate limits in LimiterDO and the address's object)", () => {
  interface S {
    browser: TestBrowser;
    email: string;
    ip: string;
    csrf: string;
  }
  let n = 0;
  it("a limiter call failing answers 503 and sends no mail; failures after the answer (look-up, KV, mail) do not change it", async () => {
    await sweep<S>({
      format: "api",
      async setup() {
        const browser = new TestBrowser();
        n += 1;
        return { browser, email: uniqueEmail("fault-request"), ip: `198.51.100.${n}`, csrf: await browser.csrf() };
      },
      async run(s, env) {
        const res = await direct(s.browser, env, "/auth/email", {
          json: { email: s.email },
          headers: { "x-csrf-token": s.csrf, "cf-connecting-ip": s.ip },
        });
        return { res, ok: res.status === 202 };
      },
      // The look-up, the token and the mail run after the answer (waitUntil), so the answer cannot depend on them.
      tolerates: (call) => call.binding === "DB" || call.binding === "KV",
      async check(s, fault) {
        expect(await listMail(s.email), `after ${fault.binding}.${fault.method}: no mail`).toHaveLength(0);
      },
      async retry(s) {
        expect((await s.browser.postJson("/auth/email", { email: s.email })).status).toBe(202);
        await waitForMail(s.email);
      },
    });
  }, 60_000);
});

describe("storage faults on HTML pages", () => {
  // Known defect, reported: app.tsx's onError renders the HTML page with errorResponse()'s status but not its
  // Retry-After header. Remove `.fails` once it copies the header.
  it("an HTML error page for a storage fault carries Retry-After (RFC 9110 §10.2.3)", async () => {
    const email = uniqueEmail("fault-html");
    const browser = new TestBrowser();
    const token = await storedLinkFor(browser, email);
    const csrf = await browser.csrf();
    const faulty = new FaultEnv(testEnv, { binding: "KV", nth: 1 });
    const res = await direct(browser, faulty.env, "/auth/link", { form: { token, csrf } });
    await expectUnavailable(res, "html", faulty.describe());
    expect(Number(res.headers.get("retry-after")), "Retry-After on the HTML 503 page").toBeGreaterThan(0);
  });

  it("a session read failing on a page answers the HTML 503 page with every security header", async () => {
    const { browser } = await freshUser("fault-session");
    const faulty = new FaultEnv(testEnv, { binding: "USER", nth: 1 });
    const res = await direct(browser, faulty.env, "/account", { headers: { accept: "text/html" } });
    expect(faulty.injected?.method, faulty.describe()).toBe("getSession");
    await expectUnavailable(res, "html", faulty.describe());
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("permissions-policy")).toContain("publickey-credentials-get=(self)");
  });
});

describe("storage faults in the code → token exchange", () => {
  interface S {
    client: TestClient;
    form: Record<string, string>;
  }
  let shared: Promise<{ client: TestClient; browser: TestBrowser }> | null = null;
  const exchange = async (s: S, env: Env) => {
    const res = await direct(null, env, "/token", { form: s.form });
    return { res, ok: res.status === 200 };
  };
  const newCode = async (client: TestClient, browser: TestBrowser): Promise<S> => {
    const auth = await authorizeCode(browser, client);
    return {
      client,
      form: {
        grant_type: "authorization_code",
        code: auth.code,
        redirect_uri: client.redirect_uris[0]!,
        code_verifier: auth.pkce!.verifier,
        client_id: client.client_id,
      },
    };
  };
  const setup = async (): Promise<S> => {
    shared ??= (async () => {
      const client = await registerClient();
      const { browser } = await freshUser("fault-token");
      // Warms this isolate's client and signing-key caches.
      expect((await exchange(await newCode(client, browser), testEnv)).res.status).toBe(200);
      return { client, browser };
    })();
    const { client, browser } = await shared;
    return newCode(client, browser);
  };
  const flow = (cold: boolean): Flow<S> => ({
    format: "oauth",
    setup,
    run: exchange,
    beforeRun: cold
      ? () => {
          clearClientCache();
          clearSigningKeyCache();
        }
      : undefined,
    async check() {},
    async retry(s) {
      // A failure before the Durable Object spent the code leaves it redeemable.
      const { res } = await exchange(s, testEnv);
      expect(res.status, await res.clone().text()).toBe(200);
    },
  });

  it("warm isolate: the one Durable Object call failing answers OAuth 503 and the code is still redeemable", async () => {
    const calls = await sweep(flow(false));
    // On the request path; the audit event is written after the answer.
    expect(calls.filter((c) => !isAuditWrite(c)).map((c) => `${c.binding}.${c.method}`)).toEqual(["USER.redeemCode"]);
  }, 60_000);

  it("cold isolate: client, key and Durable Object calls failing answer OAuth 503 and the code is still redeemable", async () => {
    const calls = await sweep(flow(true));
    expect(calls.length).toBeGreaterThan(1);
  }, 60_000);

  // Known defect, reported: limitFailures (src/abuse/middleware.ts) lets a LimiterDO fault replace the failed
  // request's own answer with a 503. Remove `.fails` once counting a failure is best-effort.
  it("a LimiterDO fault while counting a failed token request does not hide the request's own error", async () => {
    const s = await setup();
    const bad = { ...s, form: { ...s.form, code_verifier: "v".repeat(43) } };
    const faulty = new FaultEnv(testEnv, { binding: "LIMITER", nth: 1 });
    const { res } = await exchange(bad, faulty.env);
    expect(faulty.injected, "the failure was counted in the LimiterDO").not.toBeNull();
    expect(res.status, await res.clone().text()).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("lost answer: redeemCode ran but its reply was lost → 503; the spent code is then refused (RFC 6749 §4.1.2)", async () => {
    const s = await setup();
    const faulty = new FaultEnv(testEnv, { binding: "USER", nth: 1, when: "after" });
    const { res } = await exchange(s, faulty.env);
    await expectUnavailable(res, "oauth", faulty.describe());
    const again = await exchange(s, testEnv);
    expect(again.res.status).toBe(400);
    expect(await again.res.json()).toMatchObject({ error: "invalid_grant" });
  });
});
