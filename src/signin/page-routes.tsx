/** Hosted pages: sign-in, the passkey offer, sign out (the magic-link routes are in src/magic-link/routes.tsx). */
import { Hono } from "hono";
import type { AppEnv } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import { offeredConnections, signInConnections } from "../db/connections";
import { ApiError } from "../errors";
import { readForm } from "../lib/body";
import { safeReturnTo } from "../lib/return-to";
import { signInContext } from "../oidc/signin-context";
import { assertCsrf, csrfToken } from "../sessions/browser";
import { endCurrentSession } from "../sessions/session";
import { PasskeyOfferPage } from "../ui/pages/passkey-offer";
import { SignInPage } from "../ui/pages/signin";
import { renderPage } from "../ui/render";
import { userObject } from "../user/user-object";

export const pageRoutes = new Hono<AppEnv>();

pageRoutes.get("/", (c) => c.redirect(c.get("session") ? "/account" : "/signin", 302));

pageRoutes.get("/signin", async (c) => {
  const config = c.get("config");
  const returnTo = safeReturnTo(c.req.query("return_to"), config.origin);
  const [client, connections] = await Promise.all([signInContext(c.env, returnTo), signInConnections(c.env.DB)]);
  return renderPage(
    c,
    <SignInPage
      csrf={await csrfToken(c)}
      returnTo={returnTo}
      loginHint={c.req.query("login_hint")?.slice(0, 254)}
      client={client}
      turnstileSiteKey={config.turnstile?.siteKey}
      connections={offeredConnections(connections, client?.connections ?? null)}
    />,
  );
});

pageRoutes.get("/passkey/offer", async (c) => {
  if (!c.get("session")) return c.redirect("/signin", 302);
  const returnTo = safeReturnTo(c.req.query("return_to"), c.get("config").origin);
  return renderPage(
    c,
    <PasskeyOfferPage csrf={await csrfToken(c)} returnTo={returnTo} newAccount={c.req.query("new") === "1"} />,
  );
});

pageRoutes.post("/signout", async (c) => {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  await endCurrentSession(c, "signout");
  return c.redirect("/signin", 303);
});

pageRoutes.post("/account/sessions/end-all", async (c) => {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  const session = c.get("session");
  if (!session) throw new ApiError("unauthenticated", "Sign in first.");
  const ended = await userObject(c.env, session.userId).endAllSessions();
  // One event for all of them (the Durable Object counts them, it does not list them).
  const detail = { sid: session.sid, reason: "signed_out_everywhere", sessions_ended: ended };
  recordEvents(auditSink(c), { type: "session.ended", userId: session.userId, detail });
  await endCurrentSession(c, "signed_out_everywhere");
  return c.redirect("/signin", 303);
});
