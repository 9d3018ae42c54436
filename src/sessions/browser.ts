/**
 * The browser binding: a random HttpOnly cookie that ties WebAuthn challenges to the browser that asked
 * for them, and the CSRF token derived from it (HMAC, so it needs no storage).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-types";
import { ApiError } from "../errors";
import { hmacSha256, randomToken, sha256b64url, timingSafeEqual } from "../lib/crypto";
import { readCookie, writeCookie } from "./cookies";

const BROWSER_COOKIE_MAX_AGE_S = 400 * 24 * 3600;
const BROWSER_ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

/**
 * A state-changing request made by another site's page (Fetch Metadata `Sec-Fetch-Site: cross-site`, or, from
 * browsers without it, an Origin that is not ours). This browser's SameSite=Lax cookies do not come with it.
 */
export function isCrossSiteUnsafe(c: Context<AppEnv>): boolean {
  if (c.req.method === "GET" || c.req.method === "HEAD") return false;
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site === "cross-site";
  const origin = c.req.header("origin");
  return origin !== undefined && origin !== c.get("config").origin;
}

/**
 * Sets c.var.browserId from the cookie, minting one when it is missing or malformed. A cross-site POST arrives
 * without the cookie even when the browser has one (SameSite=Lax), so it gets an id for this request only: a
 * cookie written then would replace the browser's real binding, and with it every challenge, link and parked
 * request bound to it (an attacker's page could break them at will).
 */
export function browserBinding(): MiddlewareHandler<AppEnv> {
  return async function browserBindingMiddleware(c, next) {
    let id = readCookie(c, "browser");
    if (!id || !BROWSER_ID_PATTERN.test(id)) {
      id = randomToken(18);
      if (!isCrossSiteUnsafe(c)) writeCookie(c, "browser", id, BROWSER_COOKIE_MAX_AGE_S);
    }
    c.set("browserId", id);
    await next();
  };
}

/**
 * A record's note of the browser it belongs to: a hash of the binding cookie's id, never the id itself, separated by
 * purpose so one record's hash says nothing about another's (magic links, parked authorization requests).
 */
export function browserBindingHash(
  browserId: string,
  purpose: "magic-link" | "parked-request" | "federation",
): Promise<string> {
  return sha256b64url(`${purpose}-browser:${browserId}`);
}

export async function csrfToken(c: Context<AppEnv>): Promise<string> {
  return hmacSha256(c.get("config").keyEncryptionSecret, `csrf:${c.get("browserId")}`);
}

/**
 * CSRF defence for every state-changing browser request: the request must come from our own origin
 * (Origin / Sec-Fetch-Site) and carry the token bound to this browser's cookie (double submit, HMAC'd).
 */
export async function assertCsrf(c: Context<AppEnv>, submitted: string | undefined | null): Promise<void> {
  const origin = c.req.header("origin");
  const fetchSite = c.req.header("sec-fetch-site");
  if (origin && origin !== c.get("config").origin)
    throw new ApiError("csrf_failed", "This request came from another site.");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none")
    throw new ApiError("csrf_failed", "This request came from another site.");
  const expected = await csrfToken(c);
  if (!submitted || !timingSafeEqual(submitted, expected)) {
    throw new ApiError("csrf_failed", "The page has expired. Reload it and try again.");
  }
}
