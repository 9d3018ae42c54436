/** Hono environment shared by every router: bindings and per-request variables. */
import type { Config, Env } from "./config";
import type { SessionInfo } from "./user/types";

export interface CurrentSession extends SessionInfo {
  userId: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    /** Random per-request nonce (reserved for CSP if a page ever needs an inline element). */
    browserId: string;
    session: CurrentSession | null;
    /** CSP form-action sources besides 'self' for this page (see allowFormRedirect in src/security-headers.ts). */
    formActionTargets?: string[];
    /** Who is calling the admin API or console ("admin:token", "admin:<user id>"): the actor of its audit events. */
    adminActor?: string;
    /** The admin API scopes of that caller's OAuth token (null or absent: ADMIN_TOKEN or the console, every right). */
    adminScopes?: ReadonlySet<string> | null;
  };
}
