/**
 * Which OAuth client a token request claims to be (before authentication), combined with the caller's IP,
 * for failure counting: keying on client_id alone would let anyone lock out a public client.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { FORM_BODY_LIMIT, formTextRead, readCapped } from "../lib/body";
import { clientIp, type LimitKey } from "./rate-limiter";

export async function presentedClientKey(c: Context<AppEnv>): Promise<LimitKey | null> {
  const id = await presentedClientId(c);
  if (!id || id.length > 128) return null;
  const ip = clientIp(c);
  return { kind: "client", clientId: ip ? `${id}@${ip}` : id };
}

async function presentedClientId(c: Context<AppEnv>): Promise<string | null> {
  const auth = c.req.header("authorization");
  if (auth && /^Basic /i.test(auth)) {
    try {
      const decoded = atob(auth.slice(6).trim());
      return decodeURIComponent(decoded.slice(0, decoded.indexOf(":")).replace(/\+/g, "%20")) || null;
    } catch {
      return null;
    }
  }
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) return null;
  try {
    // The form the handler already read, or else a copy read here, capped like the handler's own read.
    const text =
      formTextRead(c.req.raw) ?? (c.req.raw.bodyUsed ? null : await readCapped(c.req.raw.clone(), FORM_BODY_LIMIT));
    return text === null ? null : new URLSearchParams(text).get("client_id");
  } catch {
    return null;
  }
}
