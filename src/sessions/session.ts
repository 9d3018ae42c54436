/** Creating, reading and ending sign-in sessions; the cookie holds `<userId>.<secret>`, the DO only the secret's hash. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, CurrentSession } from "../app-types";
import { randomToken, sha256b64url } from "../lib/crypto";
import type { Amr, OneTimeId, SessionInfo } from "../user/types";
import { clearCookie, readCookie, writeCookie } from "./cookies";
import { userObject } from "../user/user-object";

export const SESSION_IDLE_TTL_MS = 14 * 24 * 3600 * 1000;
export const SESSION_ABSOLUTE_TTL_MS = 90 * 24 * 3600 * 1000;
const COOKIE_PATTERN = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/;

export interface NewSession {
  userId: string;
  method: "passkey" | "email";
  amr: Amr[];
  /** The ceremony's one-time id, consumed atomically with the session's creation. */
  consume: OneTimeId | null;
  /** The passkey that signed in (null for an email link): the session ends if that passkey is removed. */
  credentialId: string | null;
}

/**
 * Creates the session in the user's Durable Object and sets the cookie. A new sign-in in a browser ends that
 * browser's previous session (whosever it was), so a browser never holds two and a re-authentication replaces
 * the session it refreshes. Returns null when the one-time id was already consumed (a replay).
 */
export async function startSession(c: Context<AppEnv>, input: NewSession, now: number): Promise<SessionInfo | null> {
  const secret = randomToken(32);
  const previous = c.get("session");
  const result = await userObject(c.env, input.userId).signIn(
    input.consume,
    {
      secretHash: await sha256b64url(secret),
      sid: randomToken(16),
      userAgent: c.req.header("user-agent") ?? "",
      country: countryOf(c.req.raw),
      amr: input.amr,
      method: input.method,
      credentialId: input.credentialId,
      idleTtlMs: SESSION_IDLE_TTL_MS,
      absoluteTtlMs: SESSION_ABSOLUTE_TTL_MS,
    },
    now,
    // Same user: ended in the same transaction as the new session's start.
    previous?.userId === input.userId ? previous.sid : null,
  );
  if (!result.ok) return null;
  // Another user's session in this browser: ended in that user's object.
  if (previous && previous.userId !== input.userId) await userObject(c.env, previous.userId).endSession(previous.sid);
  writeCookie(c, "session", `${input.userId}.${secret}`, Math.floor(SESSION_ABSOLUTE_TTL_MS / 1000));
  c.set("session", { ...result.session, userId: input.userId });
  return result.session;
}

/** Cloudflare's country code for the request (request.cf.country), null outside Cloudflare. */
export function countryOf(req: Request): string | null {
  const cf = (req as Request & { cf?: { country?: unknown } }).cf;
  return typeof cf?.country === "string" ? cf.country : null;
}

/** Reads the session cookie into c.var.session (one Durable Object call when a cookie is present). */
export function loadSession(): MiddlewareHandler<AppEnv> {
  return async function loadSessionMiddleware(c, next) {
    const raw = readCookie(c, "session");
    const match = raw ? COOKIE_PATTERN.exec(raw) : null;
    if (match) {
      const [, userId, secret] = match as unknown as [string, string, string];
      const info = await userObject(c.env, userId).getSession(await sha256b64url(secret), Date.now());
      if (info) c.set("session", { ...info, userId } satisfies CurrentSession);
      else clearCookie(c, "session");
    } else if (raw) {
      clearCookie(c, "session");
    }
    await next();
  };
}

/** Ends the current session (sign out) and clears the cookie. */
export async function endCurrentSession(c: Context<AppEnv>): Promise<void> {
  const session = c.get("session");
  if (session) await userObject(c.env, session.userId).endSession(session.sid);
  clearCookie(c, "session");
  c.set("session", null);
}
