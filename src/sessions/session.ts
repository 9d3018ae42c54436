/**
 * Reading and ending sign-in sessions (they start in src/signin/start-session.ts); the cookie holds
 * `<userId>.<secret>`, the DO only the secret's hash.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, CurrentSession } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import { sha256b64url } from "../lib/crypto";
import { userObject } from "../user/user-object";
import { clearCookie, readCookie } from "./cookies";

const COOKIE_PATTERN = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/;

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

/** Why a browser's own session ends, as session.ended records it (docs/events.md). */
export type EndReason = "signout" | "logout" | "signed_out_everywhere";

/** Ends the current session (sign out) and clears the cookie; `detail` adds to the session.ended event. */
export async function endCurrentSession(
  c: Context<AppEnv>,
  reason: EndReason,
  detail: Record<string, unknown> = {},
): Promise<void> {
  const session = c.get("session");
  if (session && (await userObject(c.env, session.userId).endSession(session.sid))) {
    const ended = { sid: session.sid, reason, ...detail };
    recordEvents(auditSink(c), { type: "session.ended", userId: session.userId, detail: ended });
  }
  clearCookie(c, "session");
  c.set("session", null);
}
