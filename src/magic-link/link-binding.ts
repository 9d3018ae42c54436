/**
 * Binding a magic link to the browser that asked for it (RFC 9700 §4.7, login CSRF): the record keeps a hash of
 * that browser's binding id (src/sessions/browser.ts) and what the person needs to recognise the request
 * (when, which device, where). Opening the link anywhere else is a cross-device sign-in and is treated as one.
 */
import { sha256b64url, timingSafeEqual } from "../lib/crypto";

export interface LinkRequester {
  /** SHA-256 (base64url) of the requesting browser's binding id; the id itself stays in its cookie. */
  browserHash: string;
  requestedAt: number;
  /** A short User-Agent summary ("Chrome on Linux"). */
  device: string;
  /** Cloudflare's country code for the request, when it had one. */
  country: string | null;
}

export function browserBindingHash(browserId: string): Promise<string> {
  return sha256b64url(`magic-link-browser:${browserId}`);
}

/** True only when the link was asked for by this very browser; a record without a binding is never "the same". */
export function isRequestingBrowser(requestedBy: LinkRequester | null | undefined, browserHash: string): boolean {
  return !!requestedBy && timingSafeEqual(requestedBy.browserHash, browserHash);
}
