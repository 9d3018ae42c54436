/** Security headers on every response; the CSP allows only our own script and style files (no inline code). */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-types";

const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

/**
 * The CSP source that lets a form's navigation end at `uri`, or null when none can be written safely. CSP3 host-source
 * has no IPv6 literal. A native app's http://[::1] loopback redirect (RFC 8252 §7.3) can only be allowed by its scheme,
 * which CSP3 §6.7.2.8 also lets match https: that page's forms may then post to any web origin, so it is done for that
 * one address only; any other IPv6-literal redirect gets no allowance (its form navigation stays on 'self').
 */
export function formActionSource(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol === "https:" || url.protocol === "http:") {
    if (url.hostname.startsWith("[")) return url.protocol === "http:" && url.hostname === "[::1]" ? "http:" : null;
    // CSP3 §2.3.1 host-source: letters, digits, "-" and "." only, so nothing can end the directive (";", ",", space).
    return /^https?:\/\/[a-z0-9.-]+(:\d+)?$/.test(url.origin) ? url.origin : null;
  }
  // RFC 8252 §7.1 private-use scheme (reverse domain name): a CSP scheme-source.
  return /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(url.protocol) ? url.protocol : null;
}

/**
 * CSP3 §6.4.2 form-action also governs where a form submission is redirected (Chromium enforces it on every redirect
 * of the navigation), so a page whose form ends, through our 303/302 redirects, at a client's redirect URI (consent,
 * sign-out confirmation, the emailed link's Continue) names that URI's origin here. Everything else posts to 'self'.
 */
export function allowFormRedirect(c: Context<AppEnv>, uri: string): void {
  const source = formActionSource(uri);
  if (source === null) return;
  const targets = c.get("formActionTargets") ?? [];
  if (!targets.includes(source)) c.set("formActionTargets", [...targets, source]);
}

/**
 * No inline script anywhere; Turnstile's origin is allowed only when Turnstile is configured; forms post to our own
 * origin.
 */
function contentSecurityPolicy(turnstile: boolean, formTargets: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src 'self'${turnstile ? ` ${TURNSTILE_ORIGIN}` : ""}`,
    "style-src 'self'",
    "img-src 'self' https: data:",
    `connect-src 'self'${turnstile ? ` ${TURNSTILE_ORIGIN}` : ""}`,
    ...(turnstile ? [`frame-src ${TURNSTILE_ORIGIN}`] : []),
    "base-uri 'none'",
    // CSP3 §6.4.2: forms (and the redirects after them) go only to our origin, or to the client a page names.
    `form-action 'self'${formTargets.map((t) => ` ${t}`).join("")}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const h = c.res.headers;
    h.set("X-Content-Type-Options", "nosniff");
    // RFC 9700 §4.2.4: no Referer leaks of codes or state to other sites (same-origin keeps Origin on our own form
    // posts).
    h.set("Referrer-Policy", "same-origin");
    if ((h.get("Content-Type") ?? "").startsWith("text/html")) {
      h.set(
        "Content-Security-Policy",
        contentSecurityPolicy(Boolean(c.get("config")?.turnstile), c.get("formActionTargets") ?? []),
      );
      h.set("X-Frame-Options", "DENY");
      h.set(
        "Permissions-Policy",
        "publickey-credentials-get=(self), publickey-credentials-create=(self), camera=(), microphone=(), " +
          "geolocation=()",
      );
      h.set("Cross-Origin-Opener-Policy", "same-origin");
    }
    if (c.get("config")?.secureCookies) h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  };
}
