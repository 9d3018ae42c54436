/** Matching a requested redirect URI against the registered ones, and adding response parameters to it. Pure. */
import { LOOPBACK_HOSTS } from "../lib/loopback";

/** `http://<loopback host>` with an optional port, as written at the start of a URI. */
const LOOPBACK_AUTHORITY = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?(?=[/?]|$)/;

/**
 * RFC 9700 §4.1.3 / §2.1: the requested URI must be one registered, compared as exact strings, with one
 * exception: a native app's loopback redirect (http on 127.0.0.1, [::1] or localhost) may use any port, which
 * the app picks when it runs (RFC 8252 §7.3: "MUST allow any port to be specified at the time of the request").
 * Everything but the port still matches exactly.
 */
export function isRegisteredRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const portless = withoutLoopbackPort(requested);
  return portless !== null && registered.some((r) => withoutLoopbackPort(r) === portless);
}

function withoutLoopbackPort(uri: string): string | null {
  const m = LOOPBACK_AUTHORITY.exec(uri);
  if (!m || !LOOPBACK_HOSTS.has(m[1]!)) return null;
  if (m[2] !== undefined && Number(m[2]) > 65535) return null;
  return `http://${m[1]}${uri.slice(m[0].length)}`;
}

/**
 * The redirect URI with response parameters added to its query. RFC 6749 §3.1.2: the query component of a
 * registered URI "MUST be retained when adding additional query parameters", so the registered text is kept
 * byte for byte (no re-encoding, no parameter replaced) and the new parameters follow it.
 */
export function withQueryParameters(uri: string, params: Record<string, string | null | undefined>): string {
  const added = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) added.append(k, v);
  const query = added.toString();
  if (!query) return uri;
  const separator = !uri.includes("?") ? "?" : uri.endsWith("?") || uri.endsWith("&") ? "" : "&";
  return uri + separator + query;
}
