/** Env bindings and one parse of vars into a typed Config (fail fast on misconfiguration). */

import { LOOPBACK_HOSTS } from "./lib/loopback";
import type { LimiterDO } from "./limiter/limiter-do";
import { parseRateLimits, type RateLimits } from "./limiter/limits";
import type { UserDO } from "./user/user-do";

export interface Env {
  DB: D1Database;
  KV: KVNamespace;
  USER: DurableObjectNamespace<UserDO>;
  LIMITER: DurableObjectNamespace<LimiterDO>;
  ASSETS?: Fetcher;
  SEND_EMAIL?: { send(message: unknown): Promise<void> };
  ISSUER: string;
  RP_ID: string;
  RP_NAME?: string;
  ALLOWED_ORIGINS?: string;
  EMAIL_TRANSPORT?: string;
  EMAIL_FROM?: string;
  SMTP_URL?: string;
  EMAIL_HTTP_URL?: string;
  EMAIL_HTTP_KEY?: string;
  KEY_ENCRYPTION_SECRET?: string;
  ADMIN_TOKEN?: string;
  DEMO_ENABLED?: string;
  RATE_LIMITS?: string;
  TURNSTILE_SITE_KEY?: string;
  TURNSTILE_SECRET?: string;
  TURNSTILE_VERIFY_URL?: string;
  PASSKEY_USER_VERIFICATION?: string;
  /** Webhook deliveries and their retries (src/webhooks/). */
  WEBHOOKS?: Queue;
  AUDIT_RETENTION_DAYS?: string;
  WEBHOOK_RETRY_DELAYS?: string;
}

type EmailTransportName = "log" | "smtp" | "http" | "cloudflare";

export interface Config {
  issuer: string;
  /** Origin of the issuer (scheme://host[:port]); the hosted pages live here. */
  origin: string;
  rpId: string;
  rpName: string;
  /** Origins accepted in WebAuthn clientDataJSON (WebAuthn L3 §7.1 step 9). */
  allowedOrigins: string[];
  /** True only when the issuer is plain http on a loopback host: enables dev-only behaviour. */
  insecureDev: boolean;
  secureCookies: boolean;
  emailTransport: EmailTransportName;
  emailFrom: string;
  smtpUrl?: string;
  emailHttpUrl?: string;
  emailHttpKey?: string;
  keyEncryptionSecret: string;
  adminToken?: string;
  demoEnabled: boolean;
  rateLimits: RateLimits;
  /** Cloudflare Turnstile on the magic-link form, when both keys are set. */
  turnstile: { siteKey: string; secret: string; verifyUrl: string } | null;
  /**
   * WebAuthn L3 §5.8.6: "required" (default) refuses a passkey ceremony without user verification; "preferred" lets it
   * through with a lower acr.
   */
  passkeyUserVerification: "required" | "preferred";
  /** Seconds to wait before each webhook retry (src/webhooks/consumer.ts); its length is the number of retries. */
  webhookRetryDelays: number[];
  /** How many days audit events and webhook delivery attempts are kept (the cron trigger deletes older ones). */
  auditRetentionDays: number;
}

const TURNSTILE_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

const DEV_ONLY_KEY_SECRET = "latchkey-dev-only-key-encryption-secret";
const TRANSPORTS: readonly EmailTransportName[] = ["log", "smtp", "http", "cloudflare"];
/** The secret values .dev.vars.example publishes: anyone can read them, so they never guard a real deployment. */
const PUBLISHED_EXAMPLE_SECRETS: ReadonlySet<string> = new Set([
  "dev-only-key-encryption-secret-change-me-0123456789",
  "dev-admin-token-change-me",
  DEV_ONLY_KEY_SECRET,
]);
/** Secrets checked against the published examples (and any value containing "change-me", case-insensitive). */
const EXAMPLE_CHECKED_SECRETS = ["KEY_ENCRYPTION_SECRET", "ADMIN_TOKEN", "EMAIL_HTTP_KEY"] as const;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Standard Webhooks' suggested schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h): about a day in all. */
const DEFAULT_WEBHOOK_RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000];
/** Cloudflare Queues: a message's delaySeconds is at most 43200 (12 hours). */
const MAX_QUEUE_DELAY = 43200;
const MAX_WEBHOOK_RETRIES = 20;

function parseRetryDelays(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === "") return DEFAULT_WEBHOOK_RETRY_DELAYS;
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.length > MAX_WEBHOOK_RETRIES || !parts.every((p) => /^[0-9]{1,5}$/.test(p) && Number(p) <= MAX_QUEUE_DELAY))
    throw new ConfigError(
      `WEBHOOK_RETRY_DELAYS must be at most ${MAX_WEBHOOK_RETRIES} comma-separated whole seconds, ` +
        `each 0–${MAX_QUEUE_DELAY}`,
    );
  return parts.map(Number);
}

const cache = new WeakMap<object, Config>();

/** Parses env once per isolate; throws ConfigError on anything a deploy must not run with. */
export function getConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const config = parseConfig(env);
  cache.set(env, config);
  return config;
}

export function parseConfig(env: Env): Config {
  if (!env.ISSUER) throw new ConfigError("ISSUER is required");
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(env.ISSUER);
  } catch {
    throw new ConfigError(`ISSUER is not a URL: ${env.ISSUER}`);
  }
  // OIDC Discovery §3: the issuer has no query or fragment.
  if (issuerUrl.search || issuerUrl.hash) throw new ConfigError("ISSUER must not have a query or fragment");
  // The endpoints and /.well-known/openid-configuration are served at the Worker's root (OIDC Discovery §4,
  // RFC 8414 §3): an issuer with a path would advertise endpoints that do not exist.
  if (env.ISSUER.replace(/\/+$/, "") !== issuerUrl.origin)
    throw new ConfigError("ISSUER must be an origin without a path, e.g. https://id.example.com");
  const insecureDev = issuerUrl.protocol === "http:" && LOOPBACK_HOSTS.has(issuerUrl.hostname);
  if (issuerUrl.protocol !== "https:" && !insecureDev) {
    throw new ConfigError("ISSUER must be https (plain http is allowed only on localhost)");
  }
  const issuer = env.ISSUER.replace(/\/+$/, "");
  const origin = issuerUrl.origin;
  const rpId = env.RP_ID || issuerUrl.hostname;
  const allowedOrigins = (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (!allowedOrigins.includes(origin)) allowedOrigins.unshift(origin);
  for (const o of allowedOrigins) {
    const u = new URL(o);
    if (u.protocol !== "https:" && !(insecureDev && LOOPBACK_HOSTS.has(u.hostname))) {
      throw new ConfigError(`allowed origin must be https: ${o}`);
    }
  }
  // Published example secrets are for the localhost issuer of `npm run dev` only: refused anywhere else.
  if (!insecureDev) {
    for (const name of EXAMPLE_CHECKED_SECRETS) {
      const value = env[name]?.trim();
      if (value && (PUBLISHED_EXAMPLE_SECRETS.has(value) || /change-me/i.test(value))) {
        throw new ConfigError(
          `${name} is a published example value (from .dev.vars.example, or it contains "change-me"); set a ` +
            `random secret, e.g. openssl rand -base64 ` +
            `48`,
        );
      }
    }
  }
  const transport = (env.EMAIL_TRANSPORT || "log") as EmailTransportName;
  if (!TRANSPORTS.includes(transport)) throw new ConfigError(`EMAIL_TRANSPORT must be one of ${TRANSPORTS.join(", ")}`);
  // The log transport prints sign-in links: never in production.
  if (transport === "log" && !insecureDev)
    throw new ConfigError("EMAIL_TRANSPORT=log is only allowed on a localhost issuer");
  if (transport === "smtp" && !env.SMTP_URL) throw new ConfigError("SMTP_URL is required for EMAIL_TRANSPORT=smtp");
  if (transport === "http" && !env.EMAIL_HTTP_URL)
    throw new ConfigError("EMAIL_HTTP_URL is required for EMAIL_TRANSPORT=http");
  if (transport === "cloudflare" && !env.SEND_EMAIL)
    throw new ConfigError("the SEND_EMAIL binding is required for EMAIL_TRANSPORT=cloudflare");
  let keyEncryptionSecret = env.KEY_ENCRYPTION_SECRET ?? "";
  if (keyEncryptionSecret.length < 32) {
    if (!insecureDev) throw new ConfigError("KEY_ENCRYPTION_SECRET (at least 32 characters) is required");
    keyEncryptionSecret = keyEncryptionSecret || DEV_ONLY_KEY_SECRET;
  }
  let rateLimits: RateLimits;
  try {
    rateLimits = parseRateLimits(env.RATE_LIMITS);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  let turnstile: Config["turnstile"] = null;
  if (env.TURNSTILE_SITE_KEY || env.TURNSTILE_SECRET) {
    if (!env.TURNSTILE_SITE_KEY || !env.TURNSTILE_SECRET)
      throw new ConfigError("Turnstile needs both TURNSTILE_SITE_KEY and TURNSTILE_SECRET");
    const verifyUrl = env.TURNSTILE_VERIFY_URL || TURNSTILE_VERIFY_URL;
    // A local stand-in verifier is for tests and dev only.
    if (verifyUrl !== TURNSTILE_VERIFY_URL && !insecureDev)
      throw new ConfigError("TURNSTILE_VERIFY_URL may only be changed on a localhost issuer");
    turnstile = { siteKey: env.TURNSTILE_SITE_KEY, secret: env.TURNSTILE_SECRET, verifyUrl };
  }
  // An admin token short enough to guess is refused, not ignored: a silently disabled endpoint hides the mistake.
  if (env.ADMIN_TOKEN && env.ADMIN_TOKEN.length < 16) {
    throw new ConfigError(
      "ADMIN_TOKEN must be at least 16 characters (or unset, which disables client registration); " +
        "set a random one, e.g. openssl rand -base64 32",
    );
  }
  const passkeyUserVerification = env.PASSKEY_USER_VERIFICATION || "required";
  if (passkeyUserVerification !== "required" && passkeyUserVerification !== "preferred")
    throw new ConfigError("PASSKEY_USER_VERIFICATION must be required or preferred");
  const retention = (env.AUDIT_RETENTION_DAYS ?? "").trim() || "90";
  if (!/^[0-9]{1,5}$/.test(retention) || Number(retention) < 1 || Number(retention) > 36500)
    throw new ConfigError("AUDIT_RETENTION_DAYS must be a whole number of days from 1 to 36500 (default 90)");
  return {
    issuer,
    origin,
    rpId,
    rpName: env.RP_NAME || "Latchkey",
    allowedOrigins,
    insecureDev,
    secureCookies: issuerUrl.protocol === "https:",
    emailTransport: transport,
    emailFrom: env.EMAIL_FROM || `Latchkey <no-reply@${issuerUrl.hostname}>`,
    smtpUrl: env.SMTP_URL,
    emailHttpUrl: env.EMAIL_HTTP_URL,
    emailHttpKey: env.EMAIL_HTTP_KEY,
    keyEncryptionSecret,
    adminToken: env.ADMIN_TOKEN || undefined,
    // The demo is a public first-party client: on by default only on a localhost issuer, elsewhere only when asked for.
    demoEnabled: env.DEMO_ENABLED ? env.DEMO_ENABLED === "true" : insecureDev,
    rateLimits,
    turnstile,
    passkeyUserVerification,
    webhookRetryDelays: parseRetryDelays(env.WEBHOOK_RETRY_DELAYS),
    auditRetentionDays: Number(retention),
  };
}
