/** Security headers on every response; the CSP allows only our own script and style files (no inline code). */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-types";

const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

/** No inline script anywhere; Turnstile's origin is allowed only when Turnstile is configured. */
function contentSecurityPolicy(turnstile: boolean): string {
  return [
    "default-src 'none'",
    `script-src 'self'${turnstile ? ` ${TURNSTILE_ORIGIN}` : ""}`,
    "style-src 'self'",
    "img-src 'self' https: data:",
    `connect-src 'self'${turnstile ? ` ${TURNSTILE_ORIGIN}` : ""}`,
    ...(turnstile ? [`frame-src ${TURNSTILE_ORIGIN}`] : []),
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const h = c.res.headers;
    h.set("X-Content-Type-Options", "nosniff");
    // RFC 9700 §4.2.4: no Referer leaks of codes or state to other sites (same-origin keeps Origin on our own form posts).
    h.set("Referrer-Policy", "same-origin");
    if ((h.get("Content-Type") ?? "").startsWith("text/html")) {
      h.set("Content-Security-Policy", contentSecurityPolicy(Boolean(c.get("config")?.turnstile)));
      h.set("X-Frame-Options", "DENY");
      h.set("Permissions-Policy", "publickey-credentials-get=(self), publickey-credentials-create=(self), camera=(), microphone=(), geolocation=()");
      h.set("Cross-Origin-Opener-Policy", "same-origin");
    }
    if (c.get("config")?.secureCookies) h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  };
}
