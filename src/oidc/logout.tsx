/** RP-Initiated Logout 1.0 (`end_session_endpoint`): ends the session in the user's DO, then returns to the client. */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-types";
import { readForm } from "../lib/body";
import { allowFormRedirect } from "../security-headers";
import { assertCsrf, csrfToken, isCrossSiteUnsafe } from "../sessions/browser";
import { endCurrentSession } from "../sessions/session";
import { Layout } from "../ui/layout";
import { ErrorPage } from "../ui/pages/error";
import { MessagePage } from "../ui/pages/message";
import { renderPage } from "../ui/render";
import { getClient } from "./clients";
import { claimsEvenIfExpired, verifyOwnJwt } from "./own-tokens";
import { withQueryParameters } from "./redirect-uri";
import { sameRequestAsGet } from "./same-request-as-get";

export const logoutRoutes = new Hono<AppEnv>();

logoutRoutes.on(["GET", "POST"], "/logout", async (c) => {
  let params: Map<string, string>;
  if (c.req.method === "POST") params = await readForm(c);
  else params = new Map(new URL(c.req.url).searchParams);
  // RP-Initiated Logout 1.0 §2 allows POST; posted from the client's page it carries none of this browser's
  // SameSite=Lax cookies (so no session to end): the same request as a GET navigation to ourselves does.
  if (isCrossSiteUnsafe(c)) return sameRequestAsGet(c, "/logout", params);
  const get = (k: string) => (params.get(k) || undefined)?.slice(0, 8192);
  const config = c.get("config");
  const now = Date.now();

  // RP-Initiated Logout §2: id_token_hint is an ID token we issued (expired is fine).
  const hintRaw = get("id_token_hint");
  // RFC 8725 §3.11 / RFC 9068 §2.1: an access token (typ at+jwt) is not an ID token, so it cannot sign anyone out
  // silently.
  const hint = hintRaw ? claimsEvenIfExpired(await verifyOwnJwt(c.env, config, hintRaw, now, { typ: "JWT" })) : null;
  if (hintRaw && !hint) return message(c, "This sign-out request is not valid.", 400);
  const hintAud = hint ? (Array.isArray(hint.aud) ? hint.aud[0] : hint.aud) : undefined;
  const clientId = get("client_id") ?? hintAud;
  if (hint && get("client_id") && get("client_id") !== hintAud)
    return message(c, "This sign-out request is not valid.", 400);

  // RP-Initiated Logout §3: post_logout_redirect_uri must exactly match one registered for the client.
  const postLogout = get("post_logout_redirect_uri");
  let redirect: string | null = null;
  if (postLogout) {
    const client = clientId ? await getClient(c.env, clientId) : null;
    if (!client?.postLogoutRedirectUris.includes(postLogout))
      return message(c, "The address to return to after signing out is not registered.", 400);
    redirect = withQueryParameters(postLogout, { state: get("state") || null });
  }

  const session = c.get("session");
  const confirmed = c.req.method === "POST" && params.get("confirm") === "yes";
  if (confirmed) await assertCsrf(c, params.get("csrf"));
  // RP-Initiated Logout §2: the hint may be expired, so it proves only that it was once issued. Skip the question
  // only when it names this very session (its sid, OIDC Core §2 / Front-Channel Logout §3) of this user; an old
  // token of an ended session, or of a years-old one, makes us ask, so another site cannot sign people out silently.
  const hintIsThisSession =
    !!hint && !!session && hint.sub === session.userId && typeof hint.sid === "string" && hint.sid === session.sid;
  if (session && !confirmed && !hintIsThisSession) {
    const csrf = await csrfToken(c);
    // The confirmation's POST ends, through a 303, at the registered post_logout_redirect_uri.
    if (redirect) allowFormRedirect(c, redirect);
    return renderPage(
      c,
      <Layout title="Sign out?" csrf={csrf}>
        <h1>Sign out?</h1>
        <p>An application asked to sign you out of Latchkey on this device.</p>
        <form method="post" action="/logout">
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="confirm" value="yes" />
          {[...params]
            .filter(([k]) => ["post_logout_redirect_uri", "state", "client_id", "id_token_hint"].includes(k))
            .map(([k, v]) => (
              <input type="hidden" name={k} value={v} />
            ))}
          <button type="submit" class="primary">
            Sign out
          </button>
        </form>
      </Layout>,
    );
  }
  // The client is named only when the hint or a registered redirect vouches for it (never raw input).
  if (session) await endCurrentSession(c, "logout", { client_id: (hint || redirect ? clientId : null) ?? null });
  if (redirect) return c.redirect(redirect, 303);
  return message(c, "You are signed out.", 200);
});

function message(c: Context<AppEnv>, text: string, status: 200 | 400) {
  if (status === 200)
    return renderPage(
      c,
      <MessagePage title="Signed out">
        <p>{text}</p>
      </MessagePage>,
      200,
    );
  return renderPage(c, <ErrorPage title="Cannot sign out" message={text} />, status);
}
