/** Reading a console form: the body, then the CSRF check (same origin and the token bound to this browser). */
import type { Context } from "hono";
import type { AppEnv } from "../../app-types";
import { readForm } from "../../lib/body";
import { assertCsrf } from "../../sessions/browser";

export async function consoleForm(c: Context<AppEnv>): Promise<Map<string, string>> {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  return form;
}

/** The console's actor, set by requireAdmin before any route runs. */
export function actorOf(c: Context<AppEnv>): string {
  const actor = c.get("adminActor");
  if (!actor) throw new TypeError("console route ran without requireAdmin");
  return actor;
}
