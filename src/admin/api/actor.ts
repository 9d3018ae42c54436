/** The acting administrator of an admin API call, for the model functions (src/admin/model/). */
import type { Context } from "hono";
import type { AppEnv } from "../../app-types";
import { auditSink } from "../../audit/record";
import type { Actor, Refusal } from "../model/user-changes";
import { Problem } from "./problem";

export function actorOf(c: Context<AppEnv>): Actor {
  // The bearer middleware ran before every operation, so the actor is set; "admin" only keeps the type total.
  return { env: c.env, sink: auditSink(c), actor: c.get("adminActor") ?? "admin" };
}

/** A model refusal as problem details: 404, 409 (RFC 9110 §15.5.10), or 422 naming the body's email field. */
export function refusalProblem(refusal: Refusal): Problem {
  if (refusal.reason === "not_found") return new Problem(404, "not-found", refusal.message);
  if (refusal.reason === "email_taken") return new Problem(409, "conflict", refusal.message);
  return new Problem(422, "validation", "The body is invalid.", [{ pointer: "/email", detail: refusal.message }]);
}
