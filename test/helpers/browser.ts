/** A cookie-keeping client for integration tests: drives the Worker through SELF.fetch like a browser would. */
import { SELF } from "cloudflare:test";

export const ORIGIN = "http://localhost:8787";

export class TestBrowser {
  readonly cookies = new Map<string, string>();
  userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";

  async fetch(path: string, init: RequestInit & { json?: unknown; form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("user-agent", this.userAgent);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    if (init.form !== undefined) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form).toString();
    }
    if (body !== undefined && !headers.has("origin")) headers.set("origin", ORIGIN);
    const res = await SELF.fetch(path.startsWith("http") ? path : ORIGIN + path, { ...init, headers, body, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim())) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
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
