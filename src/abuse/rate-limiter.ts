/**
 * Applying rate limits: per client IP and per OAuth client in a LimiterDO, per user/address in its UserDO.
 * Failure-only limits (passkey, token endpoint) are counted when a request fails, so the happy path pays no
 * extra round trip; an isolate-local note of "blocked until" refuses further attempts early.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import type { Env } from "../config";
import type { LimitName, RateLimits } from "../limiter/limits";
import type { HitResult } from "../user/types";
import { emailObject, userObject } from "../user/user-object";

const blockedUntil = new Map<string, number>();
const MAX_LOCAL_ENTRIES = 10_000;

/** The client IP as Cloudflare reports it; null outside Cloudflare (local dev, tests without the header). */
export function clientIp(c: Context<AppEnv>): string | null {
  const ip = c.req.header("cf-connecting-ip");
  return ip && ip.length <= 64 ? limitKeyForIp(ip) : null;
}

/**
 * The visitor's own address (CF-Connecting-IP) as given, for services that want it (Turnstile's remoteip); null when
 * absent or not an IP.
 */
export function visitorIp(c: Context<AppEnv>): string | null {
  const ip = c.req.header("cf-connecting-ip");
  return ip && ip.length <= 45 && /^[0-9A-Fa-f.:]+$/.test(ip) && /[.:]/.test(ip) ? ip : null;
}

/** IPv6 clients are keyed by their /64 (one subscriber usually holds a whole /64); IPv4 by address. */
export function limitKeyForIp(ip: string): string {
  if (!ip.includes(":")) return ip;
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (g || "0").toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

export type LimitKey =
  | { kind: "ip"; ip: string }
  | { kind: "client"; clientId: string }
  | { kind: "user"; userId: string }
  | { kind: "address"; email: string };

function keyString(key: LimitKey): string {
  switch (key.kind) {
    case "ip":
      return `ip:${key.ip}`;
    case "client":
      return `client:${key.clientId}`;
    case "user":
      return `user:${key.userId}`;
    case "address":
      return `email:${key.email}`;
  }
}

export async function hit(
  env: Env,
  limits: RateLimits,
  key: LimitKey,
  name: LimitName,
  now: number,
): Promise<HitResult> {
  const limit = limits[name];
  let result: HitResult;
  switch (key.kind) {
    case "ip":
    case "client":
      result = await env.LIMITER.get(env.LIMITER.idFromName(keyString(key))).hit(name, limit, now);
      break;
    case "user":
      result = await userObject(env, key.userId).hitLimit(name, limit, now);
      break;
    case "address":
      result = await emailObject(env, key.email).hitLimit(name, limit, now);
      break;
  }
  const local = `${keyString(key)}#${name}`;
  if (!result.allowed) {
    if (blockedUntil.size >= MAX_LOCAL_ENTRIES) blockedUntil.clear();
    blockedUntil.set(local, now + result.retryAfterS * 1000);
  }
  return result;
}

/** Whether an IP's bucket would refuse a request now, without spending from it. */
export async function peekIp(
  env: Env,
  limits: RateLimits,
  ip: string,
  name: LimitName,
  now: number,
): Promise<HitResult> {
  return env.LIMITER.get(env.LIMITER.idFromName(keyString({ kind: "ip", ip }))).peek(name, limits[name], now);
}

/** Whether this isolate holds any early refusal at all (most of the time it holds none). */
export function anyLocallyBlocked(): boolean {
  return blockedUntil.size > 0;
}

/** Isolate-local early refusal for keys a LimiterDO/UserDO recently refused; null when not known blocked. */
export function locallyBlocked(key: LimitKey, name: LimitName, now: number): number | null {
  const local = `${keyString(key)}#${name}`;
  const until = blockedUntil.get(local);
  if (until === undefined) return null;
  if (until <= now) {
    blockedUntil.delete(local);
    return null;
  }
  return Math.max(1, Math.ceil((until - now) / 1000));
}
