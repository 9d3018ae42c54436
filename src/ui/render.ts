/** Renders a page element as a complete HTML document with no-store caching. */
import type { Context } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AppEnv } from "../app-types";

export async function renderPage(
  c: Context<AppEnv>,
  element: unknown,
  status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 502 | 503 = 200,
): Promise<Response> {
  const body = await (element as HtmlEscapedString | Promise<HtmlEscapedString>);
  return c.html(`<!doctype html>${body.toString()}`, status, { "Cache-Control": "no-store" });
}
