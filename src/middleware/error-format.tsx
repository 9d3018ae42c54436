/**
 * Each router's error format, chosen where it is mounted (src/app.tsx): OAuth JSON (RFC 6749 §5.2), Latchkey's
 * API JSON ({error, message}), or a page. The table is built from the routers' own paths at mount, so the
 * answer for a path follows the router that serves it, also for errors raised before it runs and for 404s.
 */
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-types";
import { ApiError, errorResponse, OAuthError } from "../errors";
import { ErrorPage } from "../ui/pages/error";
import { renderPage } from "../ui/render";

export type ErrorFormat = "oauth" | "api" | "page";

export class ErrorFormats {
  readonly #exact = new Map<string, ErrorFormat>();
  readonly #prefixes: [string, ErrorFormat][] = [];

  /**
   * Mounts `router` at "/" and records its paths under `format`. `under` also claims every path below a prefix
   * (e.g. "/auth/passkey/"), so an unknown path there answers in the router's format too.
   */
  mount(app: Hono<AppEnv>, format: ErrorFormat, router: Hono<AppEnv>, options: { under?: string } = {}): void {
    if (format !== "page") {
      for (const { path } of router.routes) {
        // Our misuse, not input: a machine router's paths are exact so that the table can be a map.
        if (/[:*{]/.test(path)) throw new TypeError(`a ${format} router path must be exact: ${path}`);
        this.#exact.set(path, format);
      }
      if (options.under) this.#prefixes.push([options.under, format]);
    }
    app.route("/", router);
  }

  /** The format errors on this path take; paths no machine router claims are pages. */
  of(path: string): ErrorFormat {
    const exact = this.#exact.get(path);
    if (exact) return exact;
    for (const [prefix, format] of this.#prefixes) if (path.startsWith(prefix)) return format;
    return "page";
  }
}

/**
 * A page answers a browser with HTML: a page load (GET asking for text/html) or a form post. Scripts calling a
 * page path with JSON get the JSON answer. OAuth errors are never pages (they are for the client, not a person).
 */
function wantsHtml(c: Context<AppEnv>): boolean {
  if (c.req.method === "GET") return (c.req.header("accept") ?? "").includes("text/html");
  return (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

/** The error answer for `format`; internal errors show our words only (errorResponse logs the detail). */
export async function formatError(c: Context<AppEnv>, err: unknown, format: ErrorFormat): Promise<Response> {
  if (format !== "page" || err instanceof OAuthError || !wantsHtml(c)) return errorResponse(err);
  const res = errorResponse(err);
  const message = err instanceof ApiError ? err.message : "Something went wrong on our side. Try again in a moment.";
  const title =
    res.status === 401 ? "Please sign in" : res.status >= 500 ? "Something went wrong" : "That did not work";
  const link = { href: res.status === 401 ? "/signin" : "/", label: "Continue" };
  const page = await renderPage(c, <ErrorPage title={title} message={message} link={link} />, res.status as 400);
  // RFC 9110 §10.2.3: 429 and 503 pages say when to retry, like their JSON counterparts.
  const retryAfter = res.headers.get("Retry-After");
  if (retryAfter) page.headers.set("Retry-After", retryAfter);
  return page;
}

/** 404 in the path's format. */
export function formatNotFound(c: Context<AppEnv>, format: ErrorFormat): Promise<Response> | Response {
  const err = new ApiError("not_found", "There is nothing at this address.");
  if (format === "page" && wantsHtml(c)) {
    return renderPage(c, <ErrorPage title="Not found" message={err.message} />, 404);
  }
  return errorResponse(err);
}
