/** The admin bearer middleware (RFC 6750 §2.1, §3.1): verifiers are a table, the configured token is one of them. */
import { env } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/app-types";
import { type Env, getConfig } from "../../src/config";
import { errorResponse } from "../../src/errors";
import { type AdminTokenVerifier, adminBearer, configuredAdminToken } from "../../src/middleware/admin-bearer";

const E = env as unknown as Env;
const TOKEN = getConfig(E).adminToken!;

function appWith(verifiers?: readonly AdminTokenVerifier[]) {
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("config", getConfig(E));
    await next();
  });
  app.get("/admin", adminBearer(verifiers ? { verifiers } : {}).middleware, (c) => c.text("ok"));
  app.onError((err) => errorResponse(err));
  return (authorization?: string) =>
    app.request("/admin", { headers: authorization === undefined ? {} : { authorization } }, E);
}

describe("adminBearer", () => {
  it("the configured ADMIN_TOKEN passes; the scheme name in any case (RFC 7235 §2.1)", async () => {
    const call = appWith();
    expect((await call(`Bearer ${TOKEN}`)).status).toBe(200);
    expect((await call(`bearer ${TOKEN}`)).status).toBe(200);
  });

  it("a token of the same length differing in its last character: 401 invalid_token in the challenge", async () => {
    const guess = TOKEN.slice(0, -1) + (TOKEN.endsWith("x") ? "y" : "x");
    const res = await appWith()(`Bearer ${guess}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="latchkey", error="invalid_token"');
  });

  it("no credentials: 401 with a bare challenge (RFC 6750 §3.1)", async () => {
    const res = await appWith()();
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="latchkey"');
  });

  it("another verifier (e.g. OAuth admin tokens) plugs in beside the configured token", async () => {
    const oauthAdmin: AdminTokenVerifier = async (token) =>
      token === "an-oauth-admin-access-token" ? { actor: "client:x", scopes: new Set(["admin:read"]) } : null;
    const call = appWith([configuredAdminToken, oauthAdmin]);
    expect((await call("Bearer an-oauth-admin-access-token")).status).toBe(200);
    expect((await call(`Bearer ${TOKEN}`)).status).toBe(200);
    expect((await call("Bearer someone-elses-token")).status).toBe(401);
  });
});
