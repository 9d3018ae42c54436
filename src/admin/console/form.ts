/** Reading a console form: the body, then the CSRF check (same origin and the token bound to this browser). */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../app-types";
import { auditSink } from "../../audit/record";
import { readForm } from "../../lib/body";
import { assertCsrf } from "../../sessions/browser";
import { Problem } from "../api/problem";
import type { Actor } from "../model/user-changes";

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

/** Who acts, for the admin model's user changes: the bindings, the audit sink and the console's actor. */
export function whoOf(c: Context<AppEnv>): Actor {
  return { env: c.env, sink: auditSink(c), actor: actorOf(c) };
}

/** A form's fields as the admin API's body, validated by the same schema: a 422 whose messages name each field. */
export function parsedForm<S extends v.GenericSchema>(schema: S, body: Record<string, unknown>): v.InferOutput<S> {
  const parsed = v.safeParse(schema, body);
  if (parsed.success) return parsed.output as v.InferOutput<S>;
  const errors = parsed.issues.map((i) => ({
    pointer: `/${(i.path ?? []).map((p) => String(p.key)).join("/")}`,
    detail: `${(i.path ?? []).map((p) => String(p.key)).join(" ")}: ${i.message}`,
  }));
  throw new Problem(422, "validation", "The form is invalid.", errors);
}
