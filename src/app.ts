/** Hono composition: middleware order, routers, and the one onError. */
import { Hono } from "hono";
import type { AppEnv } from "./app-types";
import { getConfig } from "./config";
import { errorResponse } from "./errors";

export const app = new Hono<AppEnv>();

app.use("*", async function configMiddleware(c, next) {
  c.set("config", getConfig(c.env));
  c.set("session", null);
  await next();
});

app.get("/healthz", (c) => c.json({ ok: true }));

app.onError((err) => errorResponse(err));
app.notFound(() => errorResponse(new (class extends Error {})("not found")));
