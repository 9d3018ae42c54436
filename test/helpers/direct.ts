/** Requests straight into `app.fetch` with an env of the test's choosing (faulty or gated bindings). */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { app } from "../../src/app";
import type { Env } from "../../src/config";
import { ORIGIN, type TestBrowser } from "./browser";

type Init = { method?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string> };

/** Like TestBrowser.fetch, but straight into `app.fetch` with the given (faulty) env; keeps the browser's cookies. */
export async function direct(browser: TestBrowser | null, env: Env, path: string, init: Init = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (browser?.cookies.size) headers.set("cookie", [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
  if (browser) headers.set("user-agent", browser.userAgent);
  let body: string | undefined;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  if (init.form !== undefined) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(init.form).toString();
  }
  if (browser && body !== undefined && !headers.has("origin")) headers.set("origin", ORIGIN);
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(ORIGIN + path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body }), env, ctx);
  await waitOnExecutionContext(ctx);
  if (browser) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === "") browser.cookies.delete(name);
      else browser.cookies.set(name, value);
    }
  }
  return res;
}
