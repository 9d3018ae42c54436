/** The sign-in seam (src/signin/start-session.ts), called as any sign-in method calls it: no Hono context. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config";
import { sha256b64url } from "../../src/lib/crypto";
import { type BrowserFacts, startSession, type VerifiedSignIn } from "../../src/signin/start-session";
import { userObject } from "../../src/user/user-object";
import { auditEvents, testSink } from "../helpers/audit";

const E = env as unknown as Env;
const sink = testSink();
const browser: BrowserFacts = { current: null, userAgent: "Test/1.0", country: "CH" };

function signIn(userId: string, consumeId: string | null): VerifiedSignIn {
  const consume = consumeId ? { id: consumeId, expiresAt: Date.now() + 60_000 } : null;
  return { userId, method: "email", amr: ["otp"], consume, credentialId: null };
}

async function sessionOf(cookie: string, now: number) {
  const [userId, secret] = cookie.split(".") as [string, string];
  return userObject(E, userId).getSession(await sha256b64url(secret), now);
}

describe("startSession (the sign-in seam)", () => {
  it("a verified subject gets a session in its Durable Object and the cookie <userId>.<secret> to set", async () => {
    const now = Date.now();
    const started = await startSession(sink, signIn("seam-user-1", "link:seam-1"), browser, now);
    if (!started.ok) throw new Error("expected a session");
    expect(started.cookie.value).toMatch(/^seam-user-1\.[A-Za-z0-9_-]{43}$/);
    expect(started.cookie.maxAgeS).toBe(90 * 24 * 3600);
    expect(started.session).toMatchObject({ userId: "seam-user-1", method: "email", amr: ["otp"], country: "CH" });
    expect(await sessionOf(started.cookie.value, now)).toMatchObject({
      sid: started.session.sid,
      userAgent: "Test/1.0",
    });
  });

  it("replay: a one-time id already consumed starts nothing", async () => {
    const now = Date.now();
    expect((await startSession(sink, signIn("seam-user-2", "link:seam-2"), browser, now)).ok).toBe(true);
    expect(await startSession(sink, signIn("seam-user-2", "link:seam-2"), browser, now)).toEqual({
      ok: false,
      reason: "replayed",
    });
  });

  it("session fixation across accounts: another user's session held by this browser ends when this one starts", async () => {
    const now = Date.now();
    const first = await startSession(sink, signIn("seam-user-3", null), browser, now);
    if (!first.ok) throw new Error("expected a session");
    const holding: BrowserFacts = { ...browser, current: { userId: "seam-user-3", sid: first.session.sid } };
    const second = await startSession(sink, signIn("seam-user-4", null), holding, now);
    expect(second.ok).toBe(true);
    expect(await sessionOf(first.cookie.value, now)).toBeNull();
  });
});

describe("startSession records its events (docs/events.md)", () => {
  it("signin.succeeded and session.started with sid, method and amr; the replaced session's session.ended", async () => {
    const now = Date.now();
    const userId = `seam-audit-${now}`;
    const first = await startSession(sink, signIn(userId, null), browser, now);
    if (!first.ok) throw new Error("expected a session");
    const holding: BrowserFacts = { ...browser, current: { userId, sid: first.session.sid } };
    const second = await startSession(sink, signIn(userId, null), holding, now);
    if (!second.ok) throw new Error("expected a session");
    await sink.settled();
    const rows = await auditEvents({ userId });
    const started = rows.filter((r) => r.type === "session.started").map((r) => r.detail);
    // Both at the same millisecond: their order is the ids' random part.
    expect(started).toHaveLength(2);
    expect(started).toEqual(
      expect.arrayContaining([
        { sid: first.session.sid, method: "link", amr: ["otp"] },
        { sid: second.session.sid, method: "link", amr: ["otp"] },
      ]),
    );
    expect(rows.filter((r) => r.type === "signin.succeeded")).toHaveLength(2);
    expect(rows.find((r) => r.type === "session.ended")?.detail).toEqual({
      sid: first.session.sid,
      reason: "replaced",
      replaced_by: second.session.sid,
    });
    expect(rows[0]).toMatchObject({ ip: "203.0.113.9", country: "CH", userAgent: "Test/1.0", actor: "user" });
  });

  it("a replayed one-time id is recorded as signin.failed (reason replayed) and starts no session", async () => {
    const now = Date.now();
    const userId = `seam-replay-${now}`;
    expect((await startSession(sink, signIn(userId, `link:${userId}`), browser, now)).ok).toBe(true);
    expect((await startSession(sink, signIn(userId, `link:${userId}`), browser, now)).ok).toBe(false);
    await sink.settled();
    const rows = await auditEvents({ userId });
    expect(rows.filter((r) => r.type === "session.started")).toHaveLength(1);
    expect(rows.find((r) => r.type === "signin.failed")).toMatchObject({
      outcome: "failure",
      detail: { method: "link", reason: "replayed" },
    });
  });
});
