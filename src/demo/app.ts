/** The demo relying party as its own app, imported on the first /demo request (src/app.tsx). */
import { Hono } from "hono";
import type { AppEnv } from "../app-types";
import { formatError, formatNotFound } from "../middleware/error-format";
import { adoptVariables } from "../middleware/sub-app";
import { demoRoutes, type ProviderFetch } from "./routes";

export function demoApp(provider: ProviderFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", adoptVariables);
  app.route("/", demoRoutes(provider));
  app.onError((err, c) => formatError(c, err, "page"));
  app.notFound((c) => formatNotFound(c, "page"));
  return app;
}
