/**
 * Which URLs a webhook may be sent to: https with no credentials (plain http only on a localhost dev issuer) and,
 * outside dev, never an address literal or name that reaches this machine or a private network (the receiver's
 * URL is chosen by an admin, but a request from the Worker to an internal address is still one we refuse to make).
 */

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Host names that always mean this machine or an internal name (RFC 6761 §6.3 localhost; .internal, .local). */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/i;

function ipv4Octets(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** RFC 1918 private, RFC 1122 loopback and 0.0.0.0/8, RFC 3927 link-local, RFC 6598 CGNAT 100.64/10. */
function isPrivateIpv4([a, b]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168)
  );
}

/** The 16-bit groups of an IPv6 literal as the WHATWG URL parser serialises it (compressed, lower case, no zone). */
function ipv6Groups(literal: string): number[] | null {
  const [head, tail] = literal.includes("::") ? literal.split("::") : [literal, undefined];
  const parse = (s: string | undefined) => (s ? s.split(":").map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  if ([...left, ...right].some((g) => Number.isNaN(g))) return null;
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<number>(zeros).fill(0), ...right];
}

/**
 * RFC 4291 §2.5.2–2.5.3 unspecified and loopback, §2.5.5.2 IPv4-mapped (::ffff:0:0/96, judged as the IPv4 inside),
 * §2.5.6 link-local fe80::/10, RFC 4193 unique local fc00::/7.
 */
function isPrivateIpv6(groups: number[]): boolean {
  const [g0 = 0] = groups;
  if (groups.slice(0, 7).every((g) => g === 0) && (groups[7] === 0 || groups[7] === 1)) return true;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return isPrivateIpv4([groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff]);
  }
  return (g0 & 0xffc0) === 0xfe80 || (g0 & 0xfe00) === 0xfc00;
}

/** Whether `hostname` (as URL.hostname gives it) names this machine or a private network. */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[")) {
    const groups = ipv6Groups(host.slice(1, -1));
    return groups === null || isPrivateIpv6(groups);
  }
  const v4 = ipv4Octets(host);
  if (v4) return isPrivateIpv4(v4);
  return LOCAL_NAME.test(host) || !host.includes(".");
}

/** The normalised URL, or why it is refused (a sentence for the admin). */
export function checkWebhookUrl(
  raw: string,
  options: { allowInsecure: boolean },
): { ok: true; url: string } | { ok: false; reason: string } {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: `at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "no user name or password in the URL" };
  if (url.hash) return { ok: false, reason: "no fragment" };
  if (options.allowInsecure) {
    if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "must be https or http" };
    return { ok: true, url: url.href };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "must be https" };
  if (isInternalHost(url.hostname)) return { ok: false, reason: "must not be a loopback, private or local address" };
  return { ok: true, url: url.href };
}
