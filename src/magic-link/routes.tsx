/** The magic-link sign-in method's routes: ask for a link (JSON), open it (a page), redeem it (a form post). */
import { Hono } from "hono";
import { clientIp, hit, visitorIp } from "../abuse/rate-limiter";
import { TURNSTILE_ACTIONS, verifyTurnstile } from "../abuse/turnstile";
import type { AppEnv } from "../app-types";
import { type AuditEvent, auditSink, recordEvents } from "../audit/record";
import { ApiError } from "../errors";
import { readForm, readJson } from "../lib/body";
import { sha256b64url } from "../lib/crypto";
import { safeReturnTo } from "../lib/return-to";
import { newSecret } from "../lib/user-token";
import { asObject, normalizeEmail, optionalString } from "../lib/validate";
import { parkedRedirectUri } from "../oidc/signin-context";
import { allowFormRedirect } from "../security-headers";
import { assertCsrf, browserBindingHash, csrfToken } from "../sessions/browser";
import { browserFacts, setSessionCookie } from "../signin/session-cookie";
import { ACCOUNT_DISABLED, startSession } from "../signin/start-session";
import { ErrorPage } from "../ui/pages/error";
import { LinkConfirmPage } from "../ui/pages/link-confirm";
import { renderPage } from "../ui/render";
import { emailObject } from "../user/user-object";
import { linkRequester } from "./link-binding";
import { loadMagicLink, MAGIC_LINK_TTL_S } from "./magic-link-store";
import { linkOpenedBy, proveMagicLink, spendMagicLink } from "./redeem-link";
import { requestMagicLink } from "./request-link";

/** JSON: asking for a link. */
export const magicLinkApiRoutes = new Hono<AppEnv>();
/** Pages: opening and redeeming a link. */
export const magicLinkPageRoutes = new Hono<AppEnv>();

/** True whether a link was mailed now or one mailed in the last minutes is still the live one. */
const LINK_REQUESTED =
  "Check your email. If the address can be used here, a sign-in link is on its way; " +
  "a link sent in the last 15 minutes also still works.";

/**
 * JSON: always the same 202 answer whether or not the address has an account (no enumeration), and whether or
 * not a link was mailed: while a link for the address is live, only the browser it is bound to gets a fresh
 * one (src/magic-link/live-link-store.ts), so strangers can neither flood the inbox nor lock the owner out.
 */
magicLinkApiRoutes.post("/auth/email", async (c) => {
  await assertCsrf(c, c.req.header("x-csrf-token"));
  const body = asObject(await readJson(c));
  const email = normalizeEmail(body.email);
  const config = c.get("config");
  const ip = clientIp(c);
  await verifyTurnstile(config, body.turnstile_token, { remoteIp: visitorIp(c), action: TURNSTILE_ACTIONS.magicLink });
  const now = Date.now();
  // Per IP (LimiterDO): an address-hopping client is stopped. The per-address budget only limits re-sends below.
  if (ip) {
    const result = await hit(c.env, config.rateLimits, { kind: "ip", ip }, "magicLinkPerIp", now);
    const tooMany = "Too many sign-in links were asked for. Wait a few minutes and try again.";
    if (!result.allowed) throw new ApiError("rate_limited", tooMany, result.retryAfterS);
  }
  const returnTo = safeReturnTo(optionalString(body, "return_to"), config.origin);
  const token = newSecret(); // 256 bits
  const linkHash = await sha256b64url(token);
  const requestedBy = await linkRequester(c, now);
  const address = emailObject(c.env, email);
  const link = { linkHash, browserHash: requestedBy.browserHash, returnTo, expiresAt: now + MAGIC_LINK_TTL_S * 1000 };
  const decision = await address.requestLink(link, config.rateLimits.magicLinkPerAddress, now);
  const sink = auditSink(c);
  if (decision === "coalesce") {
    // Not mailed: the live link stands. No account look-up here (it would show in the timing).
    recordEvents(sink, { type: "link.requested", detail: { mailed: false } }, now);
  } else {
    // Look-up, record and mail happen after the response so its timing says nothing about the address.
    c.executionCtx.waitUntil(
      requestMagicLink(sink, config, { email, returnTo, token, requestedBy }, now).catch(async (err: unknown) => {
        console.error("magic link mail failed", err);
        // Not mailed, so not live: the next request, from any browser, mails a link.
        await address.releaseLink(linkHash).catch(() => {});
      }),
    );
  }
  return c.json({ ok: true, message: LINK_REQUESTED }, 202, { "Cache-Control": "no-store" });
});

/** GET never redeems: mail scanners and link previews fetch this URL. */
magicLinkPageRoutes.get("/auth/link", async (c) => {
  const token = c.req.query("token") ?? "";
  const found = await loadMagicLink(c.env, token, Date.now());
  if (!found) return renderPage(c, <ExpiredLink />, 400);
  const { record } = found;
  // RFC 9700 §4.7 (login CSRF by a forwarded link): the page names the whole account, and a link opened in
  // another browser than the one that asked for it says so, with when, from what and where it was asked for.
  const by = record.requestedBy;
  const opened = await linkOpenedBy(
    c.env,
    record,
    await browserBindingHash(c.get("browserId"), "magic-link"),
    Date.now(),
  );
  const sameBrowser = opened.sameBrowser;
  const requested = sameBrowser
    ? null
    : { at: by?.requestedAt ?? null, device: by?.device ?? null, country: by?.country ?? null };
  // Continue's POST may end, through /authorize/continue, at the parked request's client (CSP3 form-action covers
  // redirects). Only in the requesting browser: a cross-device sign-in drops return_to and lands on /account.
  const clientTarget = sameBrowser ? await parkedRedirectUri(c.env, opened.returnTo) : null;
  if (clientTarget) allowFormRedirect(c, clientTarget);
  const csrf = await csrfToken(c);
  return renderPage(c, <LinkConfirmPage csrf={csrf} token={token} email={record.email} crossDevice={requested} />);
});

magicLinkPageRoutes.post("/auth/link", async (c) => {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  const now = Date.now();
  const browserHash = await browserBindingHash(c.get("browserId"), "magic-link");
  const proof = await proveMagicLink(c.env, form.get("token") ?? "", browserHash, now);
  const sink = auditSink(c);
  if (!proof.ok) {
    // Expired, unknown or already forgotten: nothing tells whose link it was.
    const failed: AuditEvent = {
      type: "signin.failed",
      outcome: "failure",
      detail: { method: "link", reason: "link_invalid" },
    };
    recordEvents(sink, [{ type: "link.expired", outcome: "failure" }, failed], now);
    return renderPage(c, <ExpiredLink />, 400);
  }
  const userId = proof.signIn.userId;
  // Before the session starts: the account exists from here on, whatever happens next.
  if (proof.newAccount) recordEvents(sink, { type: "user.created", userId, detail: { method: "link" } }, now);
  // The link is consumed in the user's Durable Object together with the session's creation (a replay is recorded
  // there as signin.failed).
  const started = await startSession(sink, proof.signIn, browserFacts(c), now);
  if (!started.ok && started.reason === "disabled") return renderPage(c, <DisabledAccount />, 403);
  if (!started.ok) return renderPage(c, <ExpiredLink used />, 400);
  const redeemed = { sid: started.session.sid, cross_device: proof.crossDevice, new_account: proof.newAccount };
  recordEvents(sink, { type: "link.redeemed", userId, detail: redeemed }, now);
  setSessionCookie(c, started);
  await spendMagicLink(c.env, c.executionCtx, proof.link);
  // A cross-device sign-in is not offered a passkey: it may be someone else's account (RFC 9700 §4.7).
  if (!proof.hasPasskey && !proof.crossDevice) {
    const offer = `/passkey/offer?return_to=${encodeURIComponent(proof.returnTo)}${proof.newAccount ? "&new=1" : ""}`;
    return c.redirect(offer, 303);
  }
  return c.redirect(proof.returnTo, 303);
});

/** The link was good, but an administrator disabled the account: said plainly (the link stays unspent). */
function DisabledAccount() {
  const link = { href: "/signin", label: "Back to sign in" };
  return <ErrorPage title="This account is disabled" message={ACCOUNT_DISABLED} link={link} />;
}

/** A link that cannot be used: the one error page (src/ui/pages/error.tsx) with the magic link's words. */
function ExpiredLink({ used }: { used?: boolean }) {
  const title = used ? "This link was already used" : "This link has expired";
  const message = "Sign-in links work once and for 15 minutes. Ask for a new one and use the newest email.";
  return <ErrorPage title={title} message={message} link={{ href: "/signin", label: "Back to sign in" }} />;
}
