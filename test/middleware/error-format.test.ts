/** Error formats chosen at mount (src/middleware/error-format.tsx), and the wire answers they give through the app. */
import { SELF } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/app-types";
import { ErrorFormats } from "../../src/middleware/error-format";

describe("ErrorFormats table", () => {
  it("a machine router claims exactly its paths (any method), and `under` its subpaths; the rest are pages", () => {
    const app = new Hono<AppEnv>();
    const formats = new ErrorFormats();
    const oauth = new Hono<AppEnv>().post("/token", (c) => c.text("t"));
    const api = new Hono<AppEnv>().post("/auth/passkey/options", (c) => c.text("o"));
    formats.mount(app, "oauth", oauth);
    formats.mount(app, "api", api, { under: "/auth/passkey/" });
    formats.mount(
      app,
      "page",
      new Hono<AppEnv>().get("/account/:id", (c) => c.text("a")),
    );
    expect(formats.of("/token")).toBe("oauth");
    expect(formats.of("/auth/passkey/options")).toBe("api");
    expect(formats.of("/auth/passkey/unknown")).toBe("api");
    expect(formats.of("/auth/passkey")).toBe("page");
    expect(formats.of("/token/x")).toBe("page");
    expect(formats.of("/account/1")).toBe("page");
  });

  it("misuse: a machine router with a parameterised path is refused at startup", () => {
    const router = new Hono<AppEnv>().get("/clients/:id", (c) => c.text("x"));
    expect(() => new ErrorFormats().mount(new Hono<AppEnv>(), "api", router)).toThrow(TypeError);
  });
});

const HTML = { accept: "text/html" };

describe("error formats on the wire (as before: fuzz and hostile-http define them per endpoint)", () => {
  it("an OAuth endpoint answers a browser's wrong method with JSON, never a page", async () => {
    const res = await SELF.fetch("http://localhost:8787/token", { headers: HTML });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("an unknown passkey API path answers JSON; an unknown page path answers a browser with the error page", async () => {
    const api = await SELF.fetch("http://localhost:8787/auth/passkey/nothing", { headers: HTML });
    expect(api.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await api.json()).toMatchObject({ error: "not_found" });
    const page = await SELF.fetch("http://localhost:8787/nothing-here", { headers: HTML });
    expect(page.status).toBe(404);
    expect(await page.text()).toMatch(/^<!doctype html>[\s\S]*Not found/);
  });

  it("a form post to a page that fails gets the one HTML error page; the JSON API path gets {error, message}", async () => {
    const form = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "csrf=x" };
    const page = await SELF.fetch("http://localhost:8787/signout", form);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const api = await SELF.fetch("http://localhost:8787/auth/email", form);
    expect(api.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Object.keys((await api.json()) as object).sort()).toEqual(["error", "message"]);
  });
});
