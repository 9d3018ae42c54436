/** JSON endpoints of the passkey ceremonies; every one is CSRF-checked and bound to the browser cookie. */
import { type Context, Hono } from "hono";
import { clientIp, hit } from "../abuse/rate-limiter";
import type { AppEnv } from "../app-types";
import { type AuditSink, auditSink, recordEvents } from "../audit/record";
import { findUserById } from "../db/users";
import { ApiError } from "../errors";
import { readJson } from "../lib/body";
import { safeReturnTo } from "../lib/return-to";
import { asObject, normalizeEmail, optionalString } from "../lib/validate";
import { assertCsrf } from "../sessions/browser";
import { mayMakeSensitiveChange } from "../sessions/fresh-sign-in";
import { browserFacts, setSessionCookie } from "../signin/session-cookie";
import { notifySignInChange } from "../signin/sign-in-change-mail";
import { ACCOUNT_DISABLED, startSession } from "../signin/start-session";
import { recordSignIn, startAuthentication, verifyAuthentication } from "./authentication";
import { finishRegistration, startRegistration } from "./registration";

export const passkeyRoutes = new Hono<AppEnv>();

async function jsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  await assertCsrf(c, c.req.header("x-csrf-token"));
  return asObject(await readJson(c));
}

async function signedInUser(c: Context<AppEnv>) {
  const session = c.get("session");
  if (!session) throw new ApiError("unauthenticated", "Sign in first.");
  const user = await findUserById(c.env.DB, session.userId);
  if (!user) throw new ApiError("unauthenticated", "Sign in first.");
  return user;
}

passkeyRoutes.post("/auth/passkey/options", async (c) => {
  const body = await jsonBody(c);
  const email =
    body.email === undefined || body.email === null || body.email === "" ? null : normalizeEmail(body.email);
  // Email-hinted options say something about the address, so they are limited per IP.
  const ip = clientIp(c);
  if (email && ip) {
    const result = await hit(c.env, c.get("config").rateLimits, { kind: "ip", ip }, "passkeyHintPerIp", Date.now());
    if (!result.allowed)
      throw new ApiError("rate_limited", "Too many attempts. Wait a moment and try again.", result.retryAfterS);
  }
  const options = await startAuthentication(c.env, c.get("config"), email, c.get("browserId"), Date.now());
  return c.json(options, 200, { "Cache-Control": "no-store" });
});

passkeyRoutes.post("/auth/passkey/verify", async (c) => {
  const body = await jsonBody(c);
  const now = Date.now();
  const config = c.get("config");
  const sink = auditSink(c);
  const started = await passkeySession(sink, c, body, now).catch((err: unknown) => {
    // Every refusal is recorded (its stable code, never the assertion) before the answer is sent; the seam has
    // recorded its own (a replay, a disabled account) with the user.
    const reason = err instanceof ApiError ? err.code : "server_error";
    if (!RECORDED_BY_SEAM.has(reason)) {
      recordEvents(sink, { type: "signin.failed", outcome: "failure", detail: { method: "passkey", reason } }, now);
    }
    throw err;
  });
  setSessionCookie(c, started);
  const redirect = safeReturnTo(optionalString(body, "return_to"), config.origin);
  return c.json({ ok: true, redirect }, 200, { "Cache-Control": "no-store" });
});

/** Refusals startSession already recorded as signin.failed. */
const RECORDED_BY_SEAM = new Set(["challenge_replayed", "account_disabled"]);

async function passkeySession(sink: AuditSink, c: Context<AppEnv>, body: unknown, now: number) {
  const signIn = await verifyAuthentication(sink, c.get("config"), c.get("browserId"), body, now);
  // Counter and backup flags are stored first (WebAuthn L3 §7.2 steps 19-22), so that the Durable Object call
  // below is the last storage step: a fault before it leaves no session and an unspent challenge.
  await recordSignIn(sink, signIn, now);
  // The challenge is consumed in the user's Durable Object together with the session's creation (a replay is
  // recorded there as signin.failed).
  const started = await startSession(sink, signIn, browserFacts(c), now);
  if (!started.ok && started.reason === "disabled") throw new ApiError("account_disabled", ACCOUNT_DISABLED);
  if (!started.ok) throw new ApiError("challenge_replayed", "This sign-in attempt was already used. Try again.");
  return started;
}

/** Adding a passkey needs a recent sign-in (src/sessions/fresh-sign-in.ts); the page links to a new one. */
function requireFreshSignIn(c: Context<AppEnv>, now: number): void {
  const session = c.get("session");
  if (!session || !mayMakeSensitiveChange(session, now)) {
    throw new ApiError(
      "reauth_required",
      'For your security, sign in again before adding a passkey: reload your account page and choose "Sign in again".',
    );
  }
}

passkeyRoutes.post("/auth/passkey/register/options", async (c) => {
  await jsonBody(c);
  const user = await signedInUser(c);
  requireFreshSignIn(c, Date.now());
  const options = await startRegistration(c.env, c.get("config"), user, c.get("browserId"), Date.now());
  return c.json(options, 200, { "Cache-Control": "no-store" });
});

passkeyRoutes.post("/auth/passkey/register/verify", async (c) => {
  const body = await jsonBody(c);
  const user = await signedInUser(c);
  const now = Date.now();
  requireFreshSignIn(c, now);
  const passkey = await finishRegistration(c.env, c.get("config"), user, c.get("browserId"), body, now);
  const detail = { credential_id: passkey.id, aaguid: passkey.aaguid, backup_eligible: passkey.backupEligible };
  recordEvents(auditSink(c), { type: "passkey.added", userId: user.id, detail }, now);
  notifySignInChange(c, { to: user.email, change: "added", method: "passkey", name: passkey.name, at: now });
  const redirect = safeReturnTo(optionalString(body, "return_to"), c.get("config").origin);
  return c.json({ ok: true, passkey: { id: passkey.id, name: passkey.name }, redirect }, 201, {
    "Cache-Control": "no-store",
  });
});
