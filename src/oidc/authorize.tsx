/**
 * The authorization endpoint (RFC 6749 §4.1, OIDC Core §3.1.2): validate, then SSO with a live session,
 * consent for third-party clients, or park the request and show the sign-in page.
 */
import { type Context, Hono } from "hono";
import { clientIp, hit } from "../abuse/rate-limiter";
import type { AppEnv, CurrentSession } from "../app-types";
import { offeredConnections, signInConnections } from "../db/connections";
import { findUserById } from "../db/users";
import type { OAuthErrorCode } from "../errors";
import { readForm } from "../lib/body";
import { allowFormRedirect } from "../security-headers";
import { acrOf, acrSatisfies } from "../sessions/assurance";
import { assertCsrf, browserBindingHash, csrfToken, isCrossSiteUnsafe } from "../sessions/browser";
import { ConsentPage } from "../ui/pages/consent";
import { SignInPage } from "../ui/pages/signin";
import { renderPage } from "../ui/render";
import { userObject } from "../user/user-object";
import {
  checkAuthorizationRequest,
  checkClientAndRedirect,
  clientRedirect,
  freshAfter,
  sessionSatisfies,
} from "./authorize-request";
import { consentMissing, errorPage, finish, otherBrowserPage, redirectToClient } from "./authorize-response";
import { type ClientRecord, getClient } from "./clients";
import { consentTokens } from "./consent-scope";
import { servedToClient } from "./grants/audience";
import { claimsEvenIfExpired, verifyOwnJwt } from "./own-tokens";
import { loadParkedRequest, type ParkedRequest, parkedInThisBrowser, parkRequest } from "./parked-request";
import { isRegisteredRedirectUri } from "./redirect-uri";
import { clientGrants, listResources, resourceByIdentifier } from "./resource-registry";
import { NO_RESOURCES, type ResourceCatalogue } from "./resource-request";
import { sameRequestAsGet } from "./same-request-as-get";
import { formatScope, parseScope } from "./scope";

export const authorizeRoutes = new Hono<AppEnv>();

authorizeRoutes.on(["GET", "POST"], "/authorize", async (c) => {
  let params: Map<string, string>;
  if (c.req.method === "POST") {
    // OIDC Core §3.1.2.1: POST uses form serialization.
    try {
      params = await readForm(c);
    } catch {
      return errorPage(c, "The sign-in request could not be read.");
    }
    // Posted from the client's page, the request carries none of this browser's SameSite=Lax cookies (its
    // session, its binding): the same request as a GET navigation to ourselves does (§3.1.2.1 allows both).
    if (isCrossSiteUnsafe(c)) return sameRequestAsGet(c, "/authorize", params);
  } else {
    params = new Map();
    for (const [k, v] of new URL(c.req.url).searchParams) {
      // RFC 6749 §3.1: parameters must not be repeated.
      if (params.has(k)) return errorPage(c, `The sign-in request repeats "${k}".`);
      params.set(k, v);
    }
  }
  const get = (k: string) => (params.get(k) === "" ? undefined : params.get(k));
  const config = c.get("config");
  const now = Date.now();
  const clientId = get("client_id");
  const client = clientId && clientId.length <= 128 ? await getClient(c.env, clientId) : null;
  const target = checkClientAndRedirect(client, clientId, get("redirect_uri"), get("state"));
  // RFC 6749 §4.1.2.1: never redirect before client_id and redirect_uri are known-good.
  if (!target.ok) return errorPage(c, target.message);
  const { redirectUri, state } = target;
  const fail = (error: OAuthErrorCode, description: string) =>
    redirectToClient(
      c,
      clientRedirect(redirectUri, { error, error_description: description, state }, config.issuer),
      302,
    );

  // RFC 8707: the registry and the client's grants are read only when a resource is asked for (cached either way).
  let catalogue: ResourceCatalogue = NO_RESOURCES;
  if (get("resource") !== undefined) {
    const [resources, grants] = await Promise.all([
      listResources(c.env, config),
      clientGrants(c.env, target.client.id),
    ]);
    catalogue = { served: servedToClient(resources, grants), grants };
  }
  const check = checkAuthorizationRequest(target.client, get, catalogue);
  if (!check.ok) return fail(check.error, check.description);
  const req = check.request;

  // OIDC Core §3.1.2.1 id_token_hint: must be one we issued; a mismatch with the session's user needs a new sign-in.
  let hintedSub: string | null = null;
  if (req.idTokenHint) {
    // Expired is fine. RFC 8725 §3.11 / RFC 9068 §2.1: an access token (typ at+jwt) is not an ID token.
    const hint = claimsEvenIfExpired(await verifyOwnJwt(c.env, config, req.idTokenHint, now, { typ: "JWT" }));
    if (!hint?.sub) return fail("invalid_request", "id_token_hint is not valid");
    hintedSub = hint.sub;
  }
  let session = c.get("session");
  if (session && hintedSub && session.userId !== hintedSub) session = null;

  const parked: Omit<ParkedRequest, "expiresAt"> = {
    clientId: target.client.id,
    clientName: target.client.name,
    clientLogoUri: target.client.logoUri,
    clientConnections: target.client.connections,
    redirectUri,
    redirectUriSent: get("redirect_uri") !== undefined,
    expectedSub: hintedSub,
    scope: formatScope(req.scope),
    resource: req.resource?.identifier ?? null,
    state,
    nonce: req.nonce,
    codeChallenge: req.codeChallenge,
    maxAge: req.maxAge,
    prompt: req.prompt,
    freshAfter: freshAfter(req.prompt, req.maxAge, now),
    acrValues: req.acrValues,
    browserHash: await browserBindingHash(c.get("browserId"), "parked-request"),
  };

  // OIDC Core §3.1.2.1 acr_values: a session of a weaker class than requested needs a new sign-in.
  if (
    session &&
    sessionSatisfies(session.authTime, parked.freshAfter) &&
    acrSatisfies(acrOf(session.amr), req.acrValues)
  ) {
    return continueWithSession(c, target.client, { ...parked, expiresAt: now }, session, null, now);
  }
  // OIDC Core §3.1.2.6: prompt=none and no usable session.
  if (req.prompt.includes("none")) return fail("login_required", "the user is not signed in");

  // Each parked request is a KV write by an anonymous caller: limited per IP.
  const ip = clientIp(c);
  if (ip) {
    const limited = await hit(c.env, config.rateLimits, { kind: "ip", ip }, "authorizePerIp", now);
    if (!limited.allowed)
      return fail("temporarily_unavailable", "too many sign-in requests from this network; retry later");
  }
  const rid = await parkRequest(c.env, parked, now);
  // A client may send the person straight to one upstream provider; the parked request waits for its return.
  const connection = get("connection");
  if (connection && /^[a-z0-9][a-z0-9-]{0,62}$/.test(connection)) {
    const q = new URLSearchParams({ return_to: `/authorize/continue?rid=${rid}` });
    if (req.loginHint) q.set("login_hint", req.loginHint.slice(0, 254));
    return c.redirect(`/auth/federation/${connection}/start?${q}`, 302);
  }
  return renderPage(
    c,
    <SignInPage
      csrf={await csrfToken(c)}
      returnTo={`/authorize/continue?rid=${rid}`}
      loginHint={req.loginHint?.slice(0, 254)}
      client={{ name: target.client.name, logoUri: target.client.logoUri }}
      turnstileSiteKey={config.turnstile?.siteKey}
      connections={offeredConnections(await signInConnections(c.env.DB), target.client.connections)}
    />,
  );
});

/** Resumes a parked request after sign-in. */
authorizeRoutes.get("/authorize/continue", async (c) => {
  const now = Date.now();
  const rid = c.req.query("rid") ?? "";
  const parked = await loadParkedRequest(c.env, rid, now);
  if (!parked) return errorPage(c, "This sign-in request has expired. Go back to the application and start again.");
  if (!(await parkedInThisBrowser(parked, c.get("browserId")))) return otherBrowserPage(c);
  const client = await getClient(c.env, parked.clientId);
  if (!client || !isRegisteredRedirectUri(client.redirectUris, parked.redirectUri, client.applicationType))
    return errorPage(c, "The application is no longer registered.");
  const session = c.get("session");
  // max_age is already in freshAfter, measured from the request: a sign-in made after it satisfies max_age=0 too.
  if (
    !session ||
    !sessionSatisfies(session.authTime, parked.freshAfter) ||
    !acrSatisfies(acrOf(session.amr), parked.acrValues ?? []) ||
    (parked.expectedSub !== null && session.userId !== parked.expectedSub)
  ) {
    return renderPage(
      c,
      <SignInPage
        csrf={await csrfToken(c)}
        returnTo={`/authorize/continue?rid=${rid}`}
        client={{ name: client.name, logoUri: client.logoUri }}
        turnstileSiteKey={c.get("config").turnstile?.siteKey}
        connections={offeredConnections(await signInConnections(c.env.DB), client.connections)}
      />,
    );
  }
  return continueWithSession(c, client, parked, session, rid, now);
});

/** The consent form's answer. */
authorizeRoutes.post("/authorize/consent", async (c) => {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  const now = Date.now();
  const rid = form.get("rid") ?? "";
  const parked = await loadParkedRequest(c.env, rid, now);
  const session = c.get("session");
  if (!parked) return errorPage(c, "This sign-in request has expired. Go back to the application and start again.");
  if (!(await parkedInThisBrowser(parked, c.get("browserId")))) return otherBrowserPage(c);
  const client = await getClient(c.env, parked.clientId);
  if (!client || !isRegisteredRedirectUri(client.redirectUris, parked.redirectUri, client.applicationType))
    return errorPage(c, "The application is no longer registered.");
  // OIDC Core §3.1.2.1 prompt=login / max_age: consent cannot stand in for the fresh sign-in the request needs.
  if (
    !session ||
    !sessionSatisfies(session.authTime, parked.freshAfter) ||
    !acrSatisfies(acrOf(session.amr), parked.acrValues ?? []) ||
    (parked.expectedSub !== null && session.userId !== parked.expectedSub)
  )
    return c.redirect(`/authorize/continue?rid=${rid}`, 303);
  const issuer = c.get("config").issuer;
  if (form.get("decision") !== "allow") {
    // OIDC Core §3.1.2.6 access_denied: the person said no.
    return redirectToClient(
      c,
      clientRedirect(
        parked.redirectUri,
        { error: "access_denied", error_description: "the user denied the request", state: parked.state },
        issuer,
      ),
      303,
    );
  }
  const consented = consentTokens(parseScope(parked.scope), parked.resource ?? null);
  await userObject(c.env, session.userId).grantConsent(client.id, consented, now);
  return finish(c, parked, session, rid, now, 303);
});

async function continueWithSession(
  c: Context<AppEnv>,
  client: ClientRecord,
  parked: ParkedRequest,
  session: CurrentSession,
  rid: string | null,
  now: number,
): Promise<Response> {
  const scopes = parseScope(parked.scope);
  // OIDC Core §3.1.2.1 prompt=consent: ask, even for a first-party client (which is otherwise not asked).
  // A third-party client is asked whenever the person has not yet granted every requested scope to it.
  const resource = parked.resource ?? null;
  const ask = parked.prompt.includes("consent") || (await consentMissing(c, session.userId, client, scopes, resource));
  if (ask) {
    // OIDC Core §3.1.2.6 consent_required under prompt=none.
    if (parked.prompt.includes("none")) {
      return redirectToClient(
        c,
        clientRedirect(
          parked.redirectUri,
          { error: "consent_required", error_description: "consent is required", state: parked.state },
          c.get("config").issuer,
        ),
        302,
      );
    }
    const id = rid ?? (await parkRequest(c.env, parked, now));
    const user = await findUserById(c.env.DB, session.userId);
    const api = resource === null ? null : await resourceByIdentifier(c.env, c.get("config"), resource);
    // Allow and Deny both end, through a 303, at the client's redirect URI.
    allowFormRedirect(c, parked.redirectUri);
    return renderPage(
      c,
      <ConsentPage
        csrf={await csrfToken(c)}
        rid={id}
        clientName={client.name}
        logoUri={client.logoUri}
        scopes={[...scopes]}
        api={api}
        email={user?.email ?? ""}
      />,
    );
  }
  return finish(c, parked, session, rid, now, 302);
}
