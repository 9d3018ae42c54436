/** A cookie-keeping client for integration tests: drives the Worker through SELF.fetch like a browser would. */
import { SELF } from "cloudflare:test";

export const ORIGIN = "http://localhost:8787";

export type RequestOptions = RequestInit & { json?: unknown; form?: Record<string, string> };

/**
 * A request as `browser` would send it (its cookies and user agent, Origin on requests with a body), or as a bare
 * client without one. `json` and `form` set the body and its content type; a body without a method is a POST.
 */
export function buildRequest(path: string, init: RequestOptions = {}, browser?: TestBrowser): Request {
  const { json, form, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (browser?.cookies.size) headers.set("cookie", [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
  if (browser) headers.set("user-agent", browser.userAgent);
  for (const [name, value] of Object.entries(browser?.headers ?? {})) if (!headers.has(name)) headers.set(name, value);
  let body = rest.body;
  if (json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(json);
  }
  if (form !== undefined) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(form).toString();
  }
  if (browser && body !== undefined && !headers.has("origin")) headers.set("origin", ORIGIN);
  const method = rest.method ?? (body === undefined || body === null ? "GET" : "POST");
  return new Request(path.startsWith("http") ? path : ORIGIN + path, {
    ...rest,
    method,
    headers,
    body,
    redirect: "manual",
  });
}

export class TestBrowser {
  readonly cookies = new Map<string, string>();
  userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
  /** Sent with every request (e.g. cf-connecting-ip, as Cloudflare's edge adds it). */
  headers: Record<string, string> = {};

  async fetch(path: string, init: RequestOptions = {}): Promise<Response> {
    const res = await SELF.fetch(buildRequest(path, init, this));
    this.keepCookies(res);
    return res;
  }

  /** Stores the response's Set-Cookie headers; an expired or empty one removes the cookie. */
  keepCookies(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim())) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** Loads the sign-in page (sets the browser cookie) and returns its CSRF token. */
  async csrf(): Promise<string> {
    const res = await this.fetch("/signin", { headers: { accept: "text/html" } });
    const html = await res.text();
    const m = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
    if (!m) throw new Error("no csrf token on the sign-in page");
    return m[1]!;
  }

  /** POSTs JSON with the CSRF header, as the page script does. */
  async postJson(path: string, json: unknown): Promise<Response> {
    return this.fetch(path, { method: "POST", json, headers: { "x-csrf-token": await this.csrf() } });
  }

  get sessionCookie(): string | undefined {
    return this.cookies.get("lk_session");
  }
}
