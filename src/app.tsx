/** Hono composition: middleware order, routers, and the one onError. */
import { Hono, type Context } from "hono";
import type { AppEnv } from "./app-types";
import { getConfig } from "./config";
import { ApiError, errorResponse, OAuthError } from "./errors";
import { presentedClientKey } from "./abuse/client-key";
import { limitFailures, limitPerIp } from "./abuse/middleware";
import { clientIp } from "./abuse/rate-limiter";
import { demoRoutes } from "./demo/routes";
import { magicLinkRoutes } from "./magic-link/routes";
import { authorizeRoutes } from "./oidc/authorize";
import { discoveryRoutes } from "./oidc/discovery";
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
import { accountRoutes } from "./ui/account-routes";
import { MessagePage } from "./ui/pages/message";
import { pageRoutes } from "./ui/page-routes";
import { renderPage } from "./ui/render";

export const app = new Hono<AppEnv>();

/**
 * Browser-facing paths get the browser binding cookie and the session (read once per request). One middleware
 * tests the path instead of one registration per path: every registration is work for the router on a cold start.
 */
// "/x" and "/x/anything" (any character, line breaks included, as Hono's "/x/*" matched).
const BROWSER_PATH = /^\/(?:|signin|signout|logout|(?:auth|passkey|account|authorize|demo)(?:\/[^]*)?)$/;
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
app.post("/token", limitFailures("tokenFailurePerClient", presentedClientKey, (e) => e instanceof OAuthError, "oauth"));
app.post("/auth/passkey/verify", limitFailures("passkeyFailurePerIp", (c) => { const ip = clientIp(c); return ip ? { kind: "ip", ip } : null; }, (e) => e instanceof ApiError && e.status === 400, "api"));
app.route("/", pageRoutes);
app.route("/", magicLinkRoutes);
app.route("/", passkeyRoutes);
app.route("/", accountRoutes);
app.route("/", discoveryRoutes);
app.route("/", jwksRoutes);
app.route("/", registerRoutes);
app.route("/", authorizeRoutes);
app.route("/", tokenRoutes);
app.route("/", userinfoRoutes);
app.route("/", revokeRoutes);
app.route("/", logoutRoutes);
app.route("/", demoRoutes(async (req, c) => app.fetch(req, c.env, c.executionCtx)));

/** Form posts and page loads get an HTML error page; JSON and OAuth endpoints get their wire format. */
/** Latchkey's JSON API and the OAuth endpoints always answer in their own format, whatever was sent. */
const MACHINE_PATHS = /^\/(token|revoke|register|userinfo|auth\/email|auth\/passkey\/.*)$/;

function wantsHtml(c: Context<AppEnv>): boolean {
  if (MACHINE_PATHS.test(c.req.path)) return false;
  if (c.req.method === "GET") return (c.req.header("accept") ?? "").includes("text/html");
  return (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

app.onError(async (err, c) => {
  if (!(err instanceof OAuthError) && wantsHtml(c)) {
    const res = errorResponse(err);
    const message = err instanceof ApiError ? err.message : "Something went wrong on our side. Try again in a moment.";
    const title = res.status === 401 ? "Please sign in" : res.status >= 500 ? "Something went wrong" : "That did not work";
    const page = await renderPage(
      c,
      <MessagePage title={title}>
        <p>{message}</p>
        <p>
          <a href={res.status === 401 ? "/signin" : "/"}>Continue</a>
        </p>
      </MessagePage>,
      res.status as 400,
    );
    // RFC 9110 §10.2.3: 429 and 503 pages say when to retry, like their JSON counterparts.
    const retryAfter = res.headers.get("Retry-After");
    if (retryAfter) page.headers.set("Retry-After", retryAfter);
    return page;
  }
  return errorResponse(err);
});

app.notFound((c) => {
  const err = new ApiError("not_found", "There is nothing at this address.");
  if (wantsHtml(c)) {
    return renderPage(c, <MessagePage title="Not found"><p>{err.message}</p></MessagePage>, 404);
  }
  return errorResponse(err);
});
