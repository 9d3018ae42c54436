/** Runs in the "abuse" vitest project: low limits and Turnstile on (see vitest.config.ts). */
import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { TurnstileCall } from "../global-setup";
import { uniqueEmail } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";
import { listMail } from "../helpers/mailbox";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

/**
 * A fresh Turnstile test token per request: the siteverify stand-in, like Cloudflare, admits a token once.
 * Options (`hostname=…;action=…;flaky=1`) say what the stand-in answers for it (see test/global-setup.ts).
 */
let tokenCounter = 0;
function freshToken(options = ""): string {
  tokenCounter += 1;
  return `XXXX.DUMMY.TOKEN.${Date.now().toString(36)}.${tokenCounter}${options ? `;${options}` : ""}`;
}
let ipCounter = 0;
function freshIp(): string {
  ipCounter += 1;
  return `203.0.113.${ipCounter}`;
}

async function askLink(
  browser: TestBrowser,
  email: string,
  ip: string,
  token: string | null = freshToken(),
): Promise<Response> {
  return browser.fetch("/auth/email", {
    method: "POST",
    json: { email, ...(token ? { turnstile_token: token } : {}) },
    headers: { "x-csrf-token": await browser.csrf(), "cf-connecting-ip": ip },
  });
}

describe("rate limits hold across the deployment (Durable Objects)", () => {
  it("magic links per address: the budget (3 per 15 minutes) limits the bound browser's re-sends and never answers 429", async () => {
    const email = uniqueEmail("flood");
    const browser = new TestBrowser();
    for (let i = 0; i < 5; i++) {
      const res = await askLink(browser, email, freshIp());
      expect(res.status).toBe(202);
      expect(res.headers.get("retry-after")).toBeNull();
    }
    // Another browser (the owner, say) is answered the same and mails nothing while the link is live.
    expect((await askLink(new TestBrowser(), email, freshIp())).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(await listMail(email)).toHaveLength(3);
  });

  it("magic links per IP: one address-hopping client is stopped after 5", async () => {
    const ip = freshIp();
    const browser = new TestBrowser();
    for (let i = 0; i < 5; i++) expect((await askLink(browser, uniqueEmail("hop"), ip)).status).toBe(202);
    const limited = await askLink(browser, uniqueEmail("hop"), ip);
    expect(limited.status).toBe(429);
    // Another IP is unaffected.
    expect((await askLink(browser, uniqueEmail("hop"), freshIp())).status).toBe(202);
  });

  it("failed passkey verifications per IP end in 429", async () => {
    const ip = freshIp();
    const browser = new TestBrowser();
    const stranger = await SoftAuthenticator.create();
    // A credential nobody registered: each attempt is a verification failure.
    await stranger.register(
      {
        rp: { id: "localhost", name: "x" },
        user: { id: "dXNlcg", name: "u", displayName: "u" },
        challenge: "Y2hhbGxlbmdl",
        pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      } as never,
      "http://localhost:8787",
    );
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const csrf = await browser.csrf();
      const options = await (
        await browser.fetch("/auth/passkey/options", {
          method: "POST",
          json: {},
          headers: { "x-csrf-token": csrf, "cf-connecting-ip": ip },
        })
      ).json();
      const response = await stranger.authenticate(options as never, "http://localhost:8787");
      const res = await browser.fetch("/auth/passkey/verify", {
        method: "POST",
        json: { response },
        headers: { "x-csrf-token": csrf, "cf-connecting-ip": ip },
      });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBeTruthy();
    }
    expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

  it("token endpoint failures per client end in 429 in OAuth's JSON format", async () => {
    const reg = await fetchJson(
      "/register",
      { redirect_uris: ["https://rp.example/cb"], token_endpoint_auth_method: "none" },
      freshIp(),
    );
    const clientId = reg.client_id as string;
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 6; i++) {
      last = await new TestBrowser().fetch("/token", {
        method: "POST",
        form: { grant_type: "authorization_code", client_id: clientId, code: "bogus", code_verifier: "x".repeat(43) },
      });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
    expect(statuses.slice(4)).toEqual([429, 429]);
    expect(last!.headers.get("retry-after")).toBeTruthy();
    expect(last!.headers.get("cache-control")).toBe("no-store");
    expect(await last!.json()).toMatchObject({ error: "temporarily_unavailable" });
  });

  it("failed JWT client assertions count against the client their iss names (RFC 7523), and end in 429", async () => {
    const reg = await fetchJson(
      "/register",
      { redirect_uris: ["https://rp.example/cb"], token_endpoint_auth_method: "client_secret_jwt" },
      freshIp(),
    );
    const clientId = reg.client_id as string;
    const wrongKey = new TextEncoder().encode("not-the-secret-0123456789-0123456789");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience("http://localhost:8787")
        .setExpirationTime(now + 60)
        .sign(wrongKey);
      const res = await new TestBrowser().fetch("/token", {
        method: "POST",
        form: {
          grant_type: "refresh_token",
          refresh_token: "x",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: jwt,
        },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it("admin token guessing: the 4th unauthenticated registration from one IP in an hour gets 429, and then so does a valid token (no oracle)", async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) {
      const res = await new TestBrowser().fetch("/register", {
        method: "POST",
        json: { redirect_uris: ["https://rp.example/cb"] },
        headers: { authorization: `Bearer wrong-token-${i}`, "cf-connecting-ip": ip },
      });
      expect(res.status).toBe(401);
    }
    const guess = await new TestBrowser().fetch("/register", {
      method: "POST",
      json: { redirect_uris: ["https://rp.example/cb"] },
      headers: { authorization: "Bearer wrong-token-3", "cf-connecting-ip": ip },
    });
    expect(guess.status).toBe(429);
    expect(await guess.json()).toMatchObject({ error: "temporarily_unavailable" });
    // While the bucket is empty the right token gets the same 429, so a guess cannot be told apart by its answer.
    const right = await new TestBrowser().fetch("/register", {
      method: "POST",
      json: { redirect_uris: ["https://rp.example/cb"] },
      headers: { authorization: "Bearer test-admin-token-0123456789", "cf-connecting-ip": ip },
    });
    expect(right.status).toBe(429);
  });

  it("automation registering 25 clients with the admin token from one IP is not refused, and spends nothing of the anonymous budget", async () => {
    const ip = freshIp();
    for (let i = 0; i < 25; i++) await fetchJson("/register", { redirect_uris: [`https://rp${i}.example/cb`] }, ip);
    // The anonymous budget (3 an hour in this project) is whole: three unauthenticated calls are answered 401, the 4th 429.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (
          await new TestBrowser().fetch("/register", {
            method: "POST",
            json: { redirect_uris: ["https://rp.example/cb"] },
            headers: { "cf-connecting-ip": ip },
          })
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe("Turnstile on the magic-link form", () => {
  it("the sign-in page carries the widget and a CSP that allows only Turnstile's origin besides our own", async () => {
    const res = await new TestBrowser().fetch("/signin", { headers: { accept: "text/html" } });
    const html = await res.text();
    expect(html).toContain('data-sitekey="1x00000000000000000000AA"');
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self' https://challenges.cloudflare.com");
    expect(csp).toContain("frame-src https://challenges.cloudflare.com");
  });

  it("a request without a Turnstile token is refused and sends no mail", async () => {
    const email = uniqueEmail("bot");
    const res = await askLink(new TestBrowser(), email, freshIp(), null);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    await new Promise((r) => setTimeout(r, 300));
    expect(await listMail(email)).toHaveLength(0);
  });

  it("the token is verified server-side with the secret, an RFC 4122 idempotency key and the visitor's address (siteverify stand-in sees them)", async () => {
    const email = uniqueEmail("human");
    const token = freshToken();
    expect((await askLink(new TestBrowser(), email, "198.51.100.23", token)).status).toBe(202);
    const call = (await turnstileCalls()).find((c) => c.token === token)!;
    expect(call.secret).toBe("1x0000000000000000000000000000000AA");
    expect(call.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(call.remoteip).toBe("198.51.100.23");
  });

  it("remoteip: an IPv6 visitor is reported by its own address, not by the /64 rate-limit key", async () => {
    const token = freshToken();
    expect(
      (await askLink(new TestBrowser(), uniqueEmail("v6"), "2001:db8:1234:5678:9abc:def0:1:2", token)).status,
    ).toBe(202);
    const call = (await turnstileCalls()).find((c) => c.token === token)!;
    expect(call.remoteip).toBe("2001:db8:1234:5678:9abc:def0:1:2");
  });

  it("replay: a token already verified once is refused in a second request, and that request mails nothing", async () => {
    const token = freshToken();
    expect((await askLink(new TestBrowser(), uniqueEmail("first"), freshIp(), token)).status).toBe(202);
    const second = uniqueEmail("replayed");
    const res = await askLink(new TestBrowser(), second, freshIp(), token);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    const calls = (await turnstileCalls()).filter((c) => c.token === token);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.idempotencyKey).not.toBe(calls[1]!.idempotencyKey);
    expect(calls[1]!.answer).toMatchObject({ success: false, "error-codes": ["timeout-or-duplicate"] });
    await new Promise((r) => setTimeout(r, 300));
    expect(await listMail(second)).toHaveLength(0);
  });

  it("lost answer: a failed siteverify call is retried with the same idempotency key, so the retry is not a replay failure", async () => {
    const token = freshToken("flaky=1");
    expect((await askLink(new TestBrowser(), uniqueEmail("flaky"), freshIp(), token)).status).toBe(202);
    const calls = (await turnstileCalls()).filter((c) => c.token === token);
    expect(calls.map((c) => c.status)).toEqual([503, 200]);
    expect(calls[0]!.idempotencyKey).toBeTruthy();
    expect(calls[1]!.idempotencyKey).toBe(calls[0]!.idempotencyKey);
  });

  it("token solved on another site: a siteverify success for another hostname is refused", async () => {
    const email = uniqueEmail("otherhost");
    const res = await askLink(new TestBrowser(), email, freshIp(), freshToken("hostname=evil.example"));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    await new Promise((r) => setTimeout(r, 300));
    expect(await listMail(email)).toHaveLength(0);
  });

  it("token solved for another form: a siteverify success for another action is refused; the widget names its action", async () => {
    const res = await askLink(new TestBrowser(), uniqueEmail("otheraction"), freshIp(), freshToken("action=signup"));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    const html = await (await new TestBrowser().fetch("/signin", { headers: { accept: "text/html" } })).text();
    expect(html).toContain('data-action="magic-link"');
  });
});

async function turnstileCalls(): Promise<TurnstileCall[]> {
  return (await (
    await fetch(`${(env as unknown as { MAILBOX_URL: string }).MAILBOX_URL}/turnstile/calls`)
  ).json()) as TurnstileCall[];
}

async function fetchJson(path: string, body: unknown, ip: string): Promise<Record<string, unknown>> {
  const res = await new TestBrowser().fetch(path, {
    method: "POST",
    json: body,
    headers: { authorization: "Bearer test-admin-token-0123456789", "cf-connecting-ip": ip },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, unknown>;
}
