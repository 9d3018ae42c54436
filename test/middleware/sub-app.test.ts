import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/app-types";
import { adoptVariables, handToSubApp } from "../../src/middleware/sub-app";

describe("handToSubApp", () => {
  it("keeps the cookies the parent wrote beside the part's own, and the part's variables", async () => {
    const part = new Hono<AppEnv>();
    part.use("*", adoptVariables);
    part.get("/part", (c) => {
      setCookie(c, "session", "s1");
      return c.text(c.get("browserId"));
    });
    const parent = new Hono<AppEnv>();
    parent.use("*", async (c, next) => {
      c.set("browserId", "b1");
      setCookie(c, "browser", "b1");
      await next();
    });
    parent.get("/part", (c) => handToSubApp(c, async () => part));
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const res = await parent.request("/part", {}, {}, ctx);
    expect(await res.text()).toBe("b1");
    const cookies = res.headers.getSetCookie().map((v) => v.split(";")[0]);
    expect(cookies.sort()).toEqual(["browser=b1", "session=s1"]);
  });
});
