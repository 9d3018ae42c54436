/**
 * Binding a magic link to the browser that asked for it (RFC 9700 §4.7, login CSRF): the record keeps a hash of
 * that browser's binding id (src/sessions/browser.ts) and what the person needs to recognise the request
 * (when, which device, where). Opening the link anywhere else is a cross-device sign-in and is treated as one.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { timingSafeEqual } from "../lib/crypto";
import { browserBindingHash } from "../sessions/browser";
import { countryOf } from "../sessions/session";
import { describeDevice } from "../ui/format";

export interface LinkRequester {
  /** SHA-256 (base64url) of the requesting browser's binding id; the id itself stays in its cookie. */
  browserHash: string;
  requestedAt: number;
  /** A short User-Agent summary ("Chrome on Linux"). */
  device: string;
  /** Cloudflare's country code for the request, when it had one. */
  country: string | null;
}

/** Who is asking for a link, from the request: its browser binding (hashed), the time, device and country. */
export async function linkRequester(c: Context<AppEnv>, now: number): Promise<LinkRequester> {
  return {
    browserHash: await browserBindingHash(c.get("browserId"), "magic-link"),
    requestedAt: now,
    device: describeDevice(c.req.header("user-agent") ?? ""),
    country: countryOf(c.req.raw),
  };
}

/** True only when the link was asked for by this very browser; a record without a binding is never "the same". */
export function isRequestingBrowser(requestedBy: LinkRequester | null | undefined, browserHash: string): boolean {
  return !!requestedBy && timingSafeEqual(requestedBy.browserHash, browserHash);
}
