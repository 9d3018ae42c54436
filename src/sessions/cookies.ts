/** Cookie names and attributes: `__Host-` prefixed, Secure, HttpOnly, SameSite=Lax, Path=/ when served over https. */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app-types";

export type CookieName = "session" | "browser";

function cookieName(c: Context<AppEnv>, name: CookieName): string {
  return c.get("config").secureCookies ? `__Host-lk_${name}` : `lk_${name}`;
}

export function readCookie(c: Context<AppEnv>, name: CookieName): string | undefined {
  return getCookie(c, cookieName(c, name));
}

export function writeCookie(c: Context<AppEnv>, name: CookieName, value: string, maxAgeSeconds: number): void {
  const secure = c.get("config").secureCookies;
  setCookie(c, cookieName(c, name), value, {
    path: "/",
    httpOnly: true,
    secure,
    sameSite: "Lax",
    maxAge: maxAgeSeconds,
  });
}

export function clearCookie(c: Context<AppEnv>, name: CookieName): void {
  const secure = c.get("config").secureCookies;
  deleteCookie(c, cookieName(c, name), { path: "/", secure });
}
