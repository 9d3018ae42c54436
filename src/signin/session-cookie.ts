/** The HTTP side of the sign-in seam: the browser's facts from the request, and the started session's cookie. */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { writeCookie } from "../sessions/cookies";
import { countryOf } from "../sessions/session";
import type { BrowserFacts, StartedSession } from "./start-session";

export function browserFacts(c: Context<AppEnv>): BrowserFacts {
  const current = c.get("session");
  return {
    current: current ? { userId: current.userId, sid: current.sid } : null,
    userAgent: c.req.header("user-agent") ?? "",
    country: countryOf(c.req.raw),
  };
}

/** Sets the session cookie and makes the new session this request's current one. */
export function setSessionCookie(c: Context<AppEnv>, started: Extract<StartedSession, { ok: true }>): void {
  writeCookie(c, "session", started.cookie.value, started.cookie.maxAgeS);
  c.set("session", started.session);
}
