/** Creating, reading and ending sign-in sessions; the cookie holds `<userId>.<secret>`, the DO only the secret's hash. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, CurrentSession } from "../app-types";
import { randomToken, sha256b64url } from "../lib/crypto";
import type { Amr, OneTimeId, SessionInfo } from "./user-do";
import { clearCookie, readCookie, writeCookie } from "./cookies";
import { userObject } from "./user-object";

export const SESSION_IDLE_TTL_MS = 14 * 24 * 3600 * 1000;
export const SESSION_ABSOLUTE_TTL_MS = 90 * 24 * 3600 * 1000;
const COOKIE_PATTERN = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/;

export interface NewSession {
  userId: string;
  method: "passkey" | "email";
  amr: Amr[];
  /** The ceremony's one-time id, consumed atomically with the session's creation. */
  consume: OneTimeId | null;
}

/**
 * Creates the session in the user's Durable Object and sets the cookie.
 * Returns null when the one-time id was already consumed (a replay).
 */
export async function startSession(c: Context<AppEnv>, input: NewSession, now: number): Promise<SessionInfo | null> {
  const secret = randomToken(32);
  const result = await userObject(c.env, input.userId).signIn(
    input.consume,
    {
      secretHash: await sha256b64url(secret),
      sid: randomToken(16),
      userAgent: c.req.header("user-agent") ?? "",
      country: countryOf(c.req.raw),
      amr: input.amr,
      method: input.method,
      idleTtlMs: SESSION_IDLE_TTL_MS,
      absoluteTtlMs: SESSION_ABSOLUTE_TTL_MS,
    },
    now,
  );
  if (!result.ok) return null;
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
