/**
 * Parts loaded on first use (the admin API and console) are Hono apps of their own, imported when a request first
 * needs them. The request's variables (config, session, browser id) travel with the Request, so the part does not
 * read the session a second time.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-types";

type Variables = AppEnv["Variables"];
const handed = new WeakMap<Request, Variables>();

/** Answers the request with the app `load` resolves to (imported once per isolate by the caller's dynamic import). */
export async function handToSubApp(c: Context<AppEnv>, load: () => Promise<Hono<AppEnv>>): Promise<Response> {
  const app = await load();
  handed.set(c.req.raw, { ...c.var });
  return app.fetch(c.req.raw, c.env, c.executionCtx);
}

/** The sub-app's first middleware: takes over the variables handToSubApp passed along. */
export const adoptVariables: MiddlewareHandler<AppEnv> = async function adoptVariables(c, next) {
  const vars = handed.get(c.req.raw);
  if (vars) for (const [key, value] of Object.entries(vars)) c.set(key as keyof Variables, value as never);
  await next();
};
