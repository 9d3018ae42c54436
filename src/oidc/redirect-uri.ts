/** Matching a requested redirect URI against the registered ones, and adding response parameters to it. Pure. */
import type { ApplicationType } from "./client-metadata";

/** `http://<loopback IP literal>` with an optional port, as written at the start of a URI. */
const LOOPBACK_IP_AUTHORITY = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?(?=[/?]|$)/;

/**
 * RFC 9700 §4.1.3 / §2.1: the requested URI must be one registered, compared as exact strings. One exception,
 * for native apps only (OIDC Registration 1.0 §2 application_type "native"): a loopback redirect on an IP
 * literal (http://127.0.0.1 or http://[::1]) may use any port, which the app picks when it runs (RFC 8252 §7.3:
 * "MUST allow any port to be specified at the time of the request"). Everything but the port still matches
 * exactly. `localhost` gets no such leeway (RFC 8252 §8.3: NOT RECOMMENDED, it may resolve off the machine), and a
 * web client's loopback URI matches exactly, port included (RFC 9700 §4.1.3).
 */
export function isRegisteredRedirectUri(
  registered: readonly string[],
  requested: string,
  applicationType: ApplicationType,
): boolean {
  if (registered.includes(requested)) return true;
  if (applicationType !== "native") return false;
  const portless = withoutLoopbackPort(requested);
  return portless !== null && registered.some((r) => withoutLoopbackPort(r) === portless);
}

function withoutLoopbackPort(uri: string): string | null {
  const m = LOOPBACK_IP_AUTHORITY.exec(uri);
  if (!m) return null;
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
