/** Hosted pages: sign-in, magic-link request and confirm, the passkey offer, sign out. */
import { Hono } from "hono";
import type { AppEnv } from "../app-types";
import { clientIp, hit } from "../abuse/rate-limiter";
import { verifyTurnstile } from "../abuse/turnstile";
import { ApiError } from "../errors";
import { readForm, readJson } from "../lib/body";
import { safeReturnTo } from "../lib/return-to";
import { asObject, normalizeEmail, optionalString } from "../lib/validate";
import { requestMagicLink } from "../magic-link/request-link";
import { loadMagicLink, TOKEN_PATTERN } from "../magic-link/magic-link-store";
import { maskEmail } from "./format";
import { redeemMagicLink } from "../magic-link/redeem-link";
import { assertCsrf, csrfToken } from "../sessions/browser";
import { endCurrentSession } from "../sessions/session";
import { userObject } from "../sessions/user-object";
import { LinkConfirmPage } from "./pages/link-confirm";
import { MessagePage } from "./pages/message";
import { PasskeyOfferPage } from "./pages/passkey-offer";
import { SignInPage } from "./pages/signin";
import { renderPage } from "./render";
import { parkedRedirectUri, signInContext } from "./signin-context";
import { allowFormRedirect } from "../security-headers";

export const pageRoutes = new Hono<AppEnv>();

pageRoutes.get("/", (c) => c.redirect(c.get("session") ? "/account" : "/signin", 302));

pageRoutes.get("/signin", async (c) => {
  const config = c.get("config");
  const returnTo = safeReturnTo(c.req.query("return_to"), config.origin);
  const client = await signInContext(c.env, returnTo);
  return renderPage(c, <SignInPage csrf={await csrfToken(c)} returnTo={returnTo} loginHint={c.req.query("login_hint")?.slice(0, 254)} client={client} turnstileSiteKey={config.turnstile?.siteKey} />);
});

/** JSON: always the same 202 answer whether or not the address has an account (no enumeration). */
pageRoutes.post("/auth/email", async (c) => {
  await assertCsrf(c, c.req.header("x-csrf-token"));
  const body = asObject(await readJson(c));
  const email = normalizeEmail(body.email);
  const config = c.get("config");
  const ip = clientIp(c);
  await verifyTurnstile(config, body.turnstile_token, ip);
  const now = Date.now();
  // Per IP (LimiterDO) and per address (the address's own object): the same 429 for known and unknown addresses.
  for (const [key, name] of [
    ...(ip ? [[{ kind: "ip", ip }, "magicLinkPerIp"] as const] : []),
    [{ kind: "address", email }, "magicLinkPerAddress"] as const,
  ] as const) {
    const result = await hit(c.env, config.rateLimits, key, name, now);
    if (!result.allowed) throw new ApiError("rate_limited", "Too many sign-in links were asked for. Wait a few minutes and try again.", result.retryAfterS);
  }
  const returnTo = safeReturnTo(optionalString(body, "return_to"), config.origin);
  // Look-up, token and mail happen after the response so its timing says nothing about the address.
  c.executionCtx.waitUntil(
    requestMagicLink(c.env, config, email, returnTo, now).catch((err) => console.error("magic link mail failed", err)),
  );
  return c.json({ ok: true, message: "Check your email. If the address can be used here, a sign-in link is on its way." }, 202, { "Cache-Control": "no-store" });
});

/** GET never redeems: mail scanners and link previews fetch this URL. */
pageRoutes.get("/auth/link", async (c) => {
  const token = c.req.query("token") ?? "";
  const found = TOKEN_PATTERN.test(token) ? await loadMagicLink(c.env, token, Date.now()) : null;
  if (!found) return renderPage(c, <ExpiredLink />, 400);
  // Continue's POST may end, through /authorize/continue, at the parked request's client (CSP3 form-action covers redirects).
  const clientTarget = await parkedRedirectUri(c.env, found.record.returnTo);
  if (clientTarget) allowFormRedirect(c, clientTarget);
  // Naming the account defends against being signed in to someone else's (login CSRF by a forwarded link).
  return renderPage(c, <LinkConfirmPage csrf={await csrfToken(c)} token={token} email={maskEmail(found.record.email)} />);
});

pageRoutes.post("/auth/link", async (c) => {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  const result = await redeemMagicLink(c, form.get("token") ?? "", Date.now());
  if (!result.ok) return renderPage(c, <ExpiredLink used={result.reason === "used"} />, 400);
  if (!result.hasPasskey) {
    const offer = `/passkey/offer?return_to=${encodeURIComponent(result.returnTo)}${result.newAccount ? "&new=1" : ""}`;
    return c.redirect(offer, 303);
  }
  return c.redirect(result.returnTo, 303);
});

pageRoutes.get("/passkey/offer", async (c) => {
  if (!c.get("session")) return c.redirect("/signin", 302);
  const returnTo = safeReturnTo(c.req.query("return_to"), c.get("config").origin);
  return renderPage(c, <PasskeyOfferPage csrf={await csrfToken(c)} returnTo={returnTo} newAccount={c.req.query("new") === "1"} />);
});

pageRoutes.post("/signout", async (c) => {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  await endCurrentSession(c);
  return c.redirect("/signin", 303);
});

pageRoutes.post("/account/sessions/end-all", async (c) => {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  const session = c.get("session");
  if (!session) throw new ApiError("unauthenticated", "Sign in first.");
  await userObject(c.env, session.userId).endAllSessions();
  await endCurrentSession(c);
  return c.redirect("/signin", 303);
});

function ExpiredLink({ used }: { used?: boolean }) {
  return (
    <MessagePage title={used ? "This link was already used" : "This link has expired"}>
      <p>Sign-in links work once and for 15 minutes. Ask for a new one and use the newest email.</p>
      <p>
        <a href="/signin">Back to sign in</a>
      </p>
    </MessagePage>
  );
}
