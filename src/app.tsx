/** Hono composition: middleware order, routers, and the one onError. */
import { Hono } from "hono";
import { presentedClientKey } from "./abuse/client-key";
import { limitFailures, limitPerIp } from "./abuse/middleware";
import { clientIp } from "./abuse/rate-limiter";
import { accountRoutes } from "./account/routes";
import type { AppEnv } from "./app-types";
import { getConfig } from "./config";
import { ApiError, OAuthError } from "./errors";
import { magicLinkApiRoutes, magicLinkPageRoutes } from "./magic-link/routes";
import { ErrorFormats, formatError, formatNotFound } from "./middleware/error-format";
import { handToSubApp } from "./middleware/sub-app";
import { authorizeRoutes } from "./oidc/authorize";
import { discoveryRoutes } from "./oidc/discovery";
import { introspectRoutes } from "./oidc/introspect";
import { jwksRoutes } from "./oidc/jwks";
import { logoutRoutes } from "./oidc/logout";
import { registerRoutes, registrationAdmin } from "./oidc/register";
import { revokeRoutes } from "./oidc/revoke";
import { tokenRoutes } from "./oidc/token";
import { userinfoRoutes } from "./oidc/userinfo";
import { passkeyRoutes } from "./passkeys/routes";
import { securityHeaders } from "./security-headers";
import { browserBinding } from "./sessions/browser";
import { loadSession } from "./sessions/session";
import { pageRoutes } from "./signin/page-routes";

export const app = new Hono<AppEnv>();

/**
 * Browser-facing paths get the browser binding cookie and the session (read once per request). One middleware
 * tests the path instead of one registration per path: every registration is work for the router on a cold start.
 */
// "/x" and "/x/anything" (any character, line breaks included, as Hono's "/x/*" matched).
// The console's pages (/admin, /admin/…) are a browser's; the admin API (/admin/api, /admin/api/…) is a bearer API.
const BROWSER_PATH = new RegExp(
  String.raw`^\/(?:|signin|signout|logout|(?:auth|passkey|account|authorize|demo)(?:\/[\s\S]*)?` +
    String.raw`|admin(?:\/(?!api(?:\/|$))[\s\S]*)?)$`,
);
const bindBrowser = browserBinding();
const readSession = loadSession();

// Security headers first: they also land on error pages from anything below, the session read included.
app.use("*", securityHeaders());
app.use("*", async function requestContextMiddleware(c, next) {
  c.set("session", null);
  c.set("config", getConfig(c.env));
  if (!BROWSER_PATH.test(c.req.path)) return next();
  return bindBrowser(c, async () => {
    await readSession(c, next);
  });
});

app.get("/healthz", (c) => c.json({ ok: true }));

// Abuse resistance (see src/abuse/): registration per IP; token-endpoint and passkey failures.
// A call with the admin token spends nothing from the anonymous per-IP registration budget (automation registers many).
app.post("/register", limitPerIp("registerPerIp", "oauth", registrationAdmin.isAdmin));
const tokenFailures = limitFailures(
  "tokenFailurePerClient",
  presentedClientKey,
  (e) => e instanceof OAuthError,
  "oauth",
);
app.post("/token", tokenFailures);
app.post("/introspect", tokenFailures);
app.post(
  "/auth/passkey/verify",
  limitFailures(
    "passkeyFailurePerIp",
    (c) => {
      const ip = clientIp(c);
      return ip ? { kind: "ip", ip } : null;
    },
    (e) => e instanceof ApiError && e.status === 400,
    "api",
  ),
);

// Each router's error format is chosen here, where it is mounted (src/middleware/error-format.tsx). "page" answers a
// browser (a page load or a form post) with the HTML error page and anything else with JSON.
const formats = new ErrorFormats();
formats.mount(app, "page", pageRoutes);
formats.mount(app, "api", magicLinkApiRoutes);
formats.mount(app, "page", magicLinkPageRoutes);
formats.mount(app, "api", passkeyRoutes, { under: "/auth/passkey/" });
formats.mount(app, "page", accountRoutes);
formats.mount(app, "page", discoveryRoutes);
formats.mount(app, "page", jwksRoutes);
formats.mount(app, "oauth", registerRoutes);
formats.mount(app, "page", authorizeRoutes);
formats.mount(app, "oauth", tokenRoutes);
formats.mount(app, "oauth", userinfoRoutes);
formats.mount(app, "oauth", revokeRoutes);
formats.mount(app, "oauth", introspectRoutes);
formats.mount(app, "page", logoutRoutes);

// The demo relying party and the admin API are apps of their own, imported on their first request
// (docs/performance.md): a cold start that serves anything else does not evaluate them.
let demo: Promise<Hono<AppEnv>> | null = null;
const loadDemo = () =>
  (demo ??= import("./demo/app").then((m) => m.demoApp(async (req, c) => app.fetch(req, c.env, c.executionCtx))));
app.all("/demo", (c) => handToSubApp(c, loadDemo));
app.all("/demo/*", (c) => handToSubApp(c, loadDemo));

const loadAdminApi = async () => (await import("./admin/api/app")).adminApiApp;
app.all("/admin/api", (c) => handToSubApp(c, loadAdminApi));
app.all("/admin/api/*", (c) => handToSubApp(c, loadAdminApi));
// The console likewise, with the request's session (BROWSER_PATH): its pages are the admin API's sibling.
const loadConsole = async () => (await import("./admin/console/app")).consoleApp;
app.all("/admin", (c) => handToSubApp(c, loadConsole));
app.all("/admin/*", (c) => handToSubApp(c, loadConsole));

// Federation (upstream identity providers and oauth4webapi) likewise: the passkey and token paths never load it.
const loadFederation = async () => (await import("./federation/routes")).federationApp;
app.all("/auth/federation/*", (c) => handToSubApp(c, loadFederation));

app.onError((err, c) => formatError(c, err, formats.of(c.req.path)));
app.notFound((c) => formatNotFound(c, formats.of(c.req.path)));
