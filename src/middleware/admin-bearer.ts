/** The admin bearer check (RFC 6750 §2.1): one middleware, a table of token verifiers, constant-time compares. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-types";
import { BearerError } from "../errors";
import { sha256b64url, timingSafeEqual } from "../lib/crypto";

/** One way a bearer token can carry admin rights (the configured ADMIN_TOKEN today; OAuth admin tokens later). */
export type AdminTokenVerifier = (token: string, c: Context<AppEnv>) => Promise<boolean>;

/** The configured ADMIN_TOKEN. Hashing both sides first makes the comparison constant-time whatever the length. */
export const configuredAdminToken: AdminTokenVerifier = async function configuredAdminToken(token, c) {
  const adminToken = c.get("config").adminToken;
  if (!adminToken) return false;
  return timingSafeEqual(await sha256b64url(token), await sha256b64url(adminToken));
};

// RFC 6750 §2.1: "Bearer" 1*SP b64token; the scheme name in any case (RFC 7235 §2.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export interface AdminBearerOptions {
  verifiers?: readonly AdminTokenVerifier[];
  /** The error to answer with when admin access is off on this deployment (null: it is on). */
  disabled?: (c: Context<AppEnv>) => Error | null;
}

export interface AdminBearer {
  /** Whether the request carries a bearer token some verifier accepts (for limiters that spare admin calls). */
  isAdmin(c: Context<AppEnv>): Promise<boolean>;
  /** Refuses the request unless isAdmin: RFC 6750 §3.1 invalid_token, in the challenge only if credentials came. */
  middleware: MiddlewareHandler<AppEnv>;
}

export function adminBearer(options: AdminBearerOptions = {}): AdminBearer {
  const verifiers = options.verifiers ?? [configuredAdminToken];
  async function isAdmin(c: Context<AppEnv>): Promise<boolean> {
    const match = BEARER.exec(c.req.header("authorization") ?? "");
    if (!match) return false;
    for (const verify of verifiers) if (await verify(match[1]!, c)) return true;
    return false;
  }
  const middleware: MiddlewareHandler<AppEnv> = async function adminBearerMiddleware(c, next) {
    const disabled = options.disabled?.(c);
    if (disabled) throw disabled;
    if (!(await isAdmin(c))) {
      const sent = c.req.header("authorization") !== undefined;
      throw new BearerError("invalid_token", "A valid admin bearer token is required.", 401, sent);
    }
    await next();
  };
  return { isAdmin, middleware };
}
