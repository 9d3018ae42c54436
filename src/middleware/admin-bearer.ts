/** The admin bearer check (RFC 6750 §2.1): one middleware, a table of token verifiers, constant-time compares. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-types";
import { BearerError } from "../errors";
import { sha256b64url, timingSafeEqual } from "../lib/crypto";

/** Who a bearer token lets in: the actor the audit log names, and its admin scopes (null: every right). */
export interface AdminPrincipal {
  actor: string;
  scopes: ReadonlySet<string> | null;
}

/**
 * One way a bearer token can carry admin rights (the configured ADMIN_TOKEN; an OAuth access token for the admin
 * API, src/admin/api/oauth-admin-token.ts): its principal, or null when this verifier does not accept the token.
 */
export type AdminTokenVerifier = (token: string, c: Context<AppEnv>) => Promise<AdminPrincipal | null>;

const BOOTSTRAP: AdminPrincipal = { actor: "admin:token", scopes: null };

/** The configured ADMIN_TOKEN. Hashing both sides first makes the comparison constant-time whatever the length. */
export const configuredAdminToken: AdminTokenVerifier = async function configuredAdminToken(token, c) {
  const adminToken = c.get("config").adminToken;
  if (!adminToken) return null;
  return timingSafeEqual(await sha256b64url(token), await sha256b64url(adminToken)) ? BOOTSTRAP : null;
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
  /** The principal of the first verifier that accepts the request's bearer token; null when none does. */
  principalOf(c: Context<AppEnv>): Promise<AdminPrincipal | null>;
  /**
   * Refuses the request unless a verifier accepts it (RFC 6750 §3.1 invalid_token, in the challenge only if
   * credentials came); sets c.var.adminActor and c.var.adminScopes.
   */
  middleware: MiddlewareHandler<AppEnv>;
}

export function adminBearer(options: AdminBearerOptions = {}): AdminBearer {
  const verifiers = options.verifiers ?? [configuredAdminToken];
  async function principalOf(c: Context<AppEnv>): Promise<AdminPrincipal | null> {
    const match = BEARER.exec(c.req.header("authorization") ?? "");
    if (!match) return null;
    for (const verify of verifiers) {
      const principal = await verify(match[1]!, c);
      if (principal) return principal;
    }
    return null;
  }
  const isAdmin = async (c: Context<AppEnv>) => (await principalOf(c)) !== null;
  const middleware: MiddlewareHandler<AppEnv> = async function adminBearerMiddleware(c, next) {
    const disabled = options.disabled?.(c);
    if (disabled) throw disabled;
    const principal = await principalOf(c);
    if (!principal) {
      const sent = c.req.header("authorization") !== undefined;
      throw new BearerError("invalid_token", "A valid admin bearer token is required.", 401, sent);
    }
    c.set("adminActor", principal.actor);
    c.set("adminScopes", principal.scopes);
    await next();
  };
  return { isAdmin, principalOf, middleware };
}
