/**
 * Parts loaded on first use (the admin API and console, federation) are Hono apps of their own, imported when a
 * request first needs them. The request's variables (config, session, browser id) travel with the Request, so the
 * part does not read the session a second time, and so do the cookies the parent already wrote (a new browser
 * binding): the part's own Response would otherwise drop them.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-types";

type Variables = AppEnv["Variables"];
const handed = new WeakMap<Request, { vars: Variables; cookies: string[] }>();

/** Answers the request with the app `load` resolves to (imported once per isolate by the caller's dynamic import). */
export async function handToSubApp(c: Context<AppEnv>, load: () => Promise<Hono<AppEnv>>): Promise<Response> {
  const app = await load();
  // Moved, not copied: left on the parent's response they would replace the part's own Set-Cookie headers.
  const cookies = c.res.headers.getSetCookie();
  c.res.headers.delete("set-cookie");
  handed.set(c.req.raw, { vars: { ...c.var }, cookies });
  return app.fetch(c.req.raw, c.env, c.executionCtx);
}

/** The sub-app's first middleware: takes over the variables and cookies handToSubApp passed along. */
export const adoptVariables: MiddlewareHandler<AppEnv> = async function adoptVariables(c, next) {
  const passed = handed.get(c.req.raw);
  if (passed) {
    for (const [key, value] of Object.entries(passed.vars)) c.set(key as keyof Variables, value as never);
    for (const cookie of passed.cookies) c.header("Set-Cookie", cookie, { append: true });
  }
  await next();
};
