/**
 * A cross-site form POST to /authorize, /logout or a federation callback, answered as the same request made by a GET navigation: a 303 to
 * our own endpoint with the parameters in the query. The browser follows it as a top-level same-site navigation,
 * which carries its SameSite=Lax cookies (the session, the browser binding) that the cross-site POST could not.
 * Only ever to our own path, so it redirects nowhere a request could choose.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";

export function sameRequestAsGet(
  c: Context<AppEnv>,
  path: "/authorize" | "/logout" | `/auth/federation/callback/${string}`,
  params: Map<string, string>,
): Response {
  const query = new URLSearchParams([...params]).toString();
  const res = c.redirect(query ? `${path}?${query}` : path, 303);
  res.headers.set("Cache-Control", "no-store");
  return res;
}
