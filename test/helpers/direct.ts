/** Requests straight into `app.fetch` with an env of the test's choosing (faulty or gated bindings). */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { app } from "../../src/app";
import type { Env } from "../../src/config";
import { buildRequest, type RequestOptions, type TestBrowser } from "./browser";

/** Like TestBrowser.fetch, but straight into `app.fetch` with the given (faulty) env; keeps the browser's cookies. */
export async function direct(
  browser: TestBrowser | null,
  env: Env,
  path: string,
  init: RequestOptions = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(buildRequest(path, init, browser ?? undefined), env, ctx);
  await waitOnExecutionContext(ctx);
  browser?.keepCookies(res);
  return res;
}
