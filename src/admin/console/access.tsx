/**
 * Who may use the console: a signed-in user whose D1 `roles` include "admin" and who is not disabled, read on every
 * request (revoking the role takes effect at the next page). Sets the actor of the console's audit events.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../app-types";
import { findUserById } from "../../db/users";
import { renderPage } from "../../ui/render";
import { parseRoles } from "../model/users";
import { ForbiddenPage } from "./forbidden-page";

const ADMIN_ROLE = "admin";

export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async function requireAdminMiddleware(c, next) {
    const session = c.get("session");
    if (!session) {
      // Back to this page after signing in (a form post returns to the console's start: its page is a GET).
      const back = c.req.method === "GET" ? c.req.path + new URL(c.req.url).search : "/admin";
      return c.redirect(`/signin?return_to=${encodeURIComponent(back)}`, 302);
    }
    const user = await findUserById(c.env.DB, session.userId);
    if (!user || user.disabledAt !== null || !parseRoles(user.roles).includes(ADMIN_ROLE)) {
      return renderPage(c, <ForbiddenPage />, 403);
    }
    c.set("adminActor", `admin:${user.id}`);
    return next();
  };
}
