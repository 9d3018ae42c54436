/**
 * How an authorization request ends (RFC 6749 §4.1.2): the code sent to the client's redirect URI, or a page when
 * the request cannot go on; and whether the person still has to consent (OIDC Core §11).
 */
import type { Context } from "hono";
import type { AppEnv, CurrentSession } from "../app-types";
import { findUserById } from "../db/users";
import { ErrorPage } from "../ui/pages/error";
import { renderPage } from "../ui/render";
import { userObject } from "../user/user-object";
import { clientRedirect } from "./authorize-request";
import type { ClientRecord } from "./clients";
import { consentTokens } from "./consent-scope";
import { issueCode } from "./issue-code";
import { forgetParkedRequest, type ParkedRequest, parkedOneTimeId } from "./parked-request";
import { parseScope, type Scope, scopeWithin } from "./scope";

export async function consentMissing(
  c: Context<AppEnv>,
  userId: string,
  client: ClientRecord,
  scopes: Scope,
  resource: string | null,
): Promise<boolean> {
  // OIDC Core §11: offline_access (access that outlives the sign-in) needs the person's consent, so a first-party
  // client is asked for that scope too; its other scopes need none.
  const needed: Scope = client.firstParty ? new Set([...scopes].filter((s) => s === "offline_access")) : scopes;
  if (needed.size === 0) return false;
  // API scopes are consented per resource (consent-scope.ts).
  const tokens = new Set(consentTokens(needed, resource));
  return !scopeWithin(tokens, await userObject(c.env, userId).getConsent(client.id));
}

/** Issues the code. `rid` names the parked request it answers (null: answered at once): spent with the code. */
export async function finish(
  c: Context<AppEnv>,
  parked: ParkedRequest,
  session: CurrentSession,
  rid: string | null,
  now: number,
  status: 302 | 303,
): Promise<Response> {
  const user = await findUserById(c.env.DB, session.userId);
  if (!user) return errorPage(c, "Your account could not be found.");
  // RFC 6749 §4.1.2 / RFC 9700 §4.5: one authorization request, one code. The parked request is spent in the
  // user's Durable Object together with the code's storage, so a replayed /authorize/continue mints nothing.
  const spend = rid === null ? null : parkedOneTimeId(rid, parked);
  const code = await issueCode(
    c.env,
    {
      clientId: parked.clientId,
      redirectUri: parked.redirectUri,
      redirectUriSent: parked.redirectUriSent,
      scope: parseScope(parked.scope),
      resource: parked.resource ?? null,
      nonce: parked.nonce,
      codeChallenge: parked.codeChallenge,
    },
    session,
    user,
    now,
    spend,
  );
  if (code === null)
    return errorPage(c, "This sign-in request was already used. Go back to the application and start again.");
  if (rid !== null)
    c.executionCtx.waitUntil(
      forgetParkedRequest(c.env, rid).catch((err) => console.warn("parked request not deleted", err)),
    );
  // RFC 6749 §4.1.2 + RFC 9207 iss.
  return redirectToClient(
    c,
    clientRedirect(parked.redirectUri, { code, state: parked.state }, c.get("config").issuer),
    status,
  );
}

/**
 * An authorization response (code or error) sent to the client's redirect URI. Its Location carries a one-time code
 * and state: no cache may keep it (RFC 9111 §5.2.2.5 no-store; RFC 6749 §10.5 codes must not leak), and the 302/303
 * is answered for this request only (RFC 6749 §4.1.2).
 */
export function redirectToClient(c: Context<AppEnv>, location: string, status: 302 | 303): Response {
  c.header("Cache-Control", "no-store");
  return c.redirect(location, status);
}

export function otherBrowserPage(c: Context<AppEnv>): Promise<Response> {
  return errorPage(
    c,
    "This sign-in request was started in another browser, so it cannot be finished here. Open the application " +
      "in this browser and sign in " +
      "again.",
  );
}

export function errorPage(c: Context<AppEnv>, message: string): Promise<Response> {
  const advice = "Go back to the application you came from and try again.";
  return renderPage(
    c,
    <ErrorPage title="This sign-in request cannot be used" message={message} advice={advice} />,
    400,
  );
}
