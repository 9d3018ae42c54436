/**
 * Which OAuth client a token request claims to be (before authentication), combined with the caller's IP,
 * for failure counting: keying on client_id alone would let anyone lock out a public client.
 */

import type { Context } from "hono";
import { decodeJwt } from "jose";
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
    if (text === null) return null;
    const form = new URLSearchParams(text);
    return form.get("client_id") ?? assertionIssuer(form.get("client_assertion"));
  } catch {
    return null;
  }
}

/**
 * RFC 7523 §3 item 1: a JWT client assertion names its client in iss. Read unverified: it only picks the counter, and
 * a forged iss counts against the client it names, which is what a guessing attacker's failures should do.
 */
function assertionIssuer(assertion: string | null): string | null {
  if (!assertion || assertion.length > 8192) return null;
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === "string" && iss.length > 0 ? iss : null;
  } catch {
    return null;
  }
}
