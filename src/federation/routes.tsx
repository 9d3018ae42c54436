/**
 * Federated sign-in under /auth/federation, loaded on first use (src/app.tsx): start (to the provider), callback
 * (back from it, through every check in upstream.ts); the link confirmation is link-routes.tsx's. Every failure is
 * the sign-in page with what went wrong, an audit event, and no session (failure-page.tsx).
 */
import { type Context, Hono } from "hono";
import { clientIp, hit } from "../abuse/rate-limiter";
import type { AppEnv } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import { findConnectionRow } from "../db/connections";
import { countCredentials } from "../db/credentials";
import { identityKey } from "../db/federated-identities";
import { decryptString } from "../keys/crypto-box";
import { readForm } from "../lib/body";
import { CONNECTION_ID } from "../lib/connection-id";
import { randomToken } from "../lib/crypto";
import { LOOPBACK_HOSTS } from "../lib/loopback";
import { safeReturnTo } from "../lib/return-to";
import { formatError, formatNotFound } from "../middleware/error-format";
import { adoptVariables } from "../middleware/sub-app";
import { sameRequestAsGet } from "../oidc/same-request-as-get";
import { signInContext } from "../oidc/signin-context";
import { FEDERATED_AMR } from "../sessions/assurance";
import { assertCsrf, browserBindingHash, isCrossSiteUnsafe } from "../sessions/browser";
import { mayMakeSensitiveChange, REAUTHENTICATE_PATH } from "../sessions/fresh-sign-in";
import { browserFacts, setSessionCookie } from "../signin/session-cookie";
import { ACCOUNT_DISABLED, startSession } from "../signin/start-session";
import { ErrorPage } from "../ui/pages/error";
import { renderPage } from "../ui/render";
import { type Connection, federationCallbackPath, rowToConnection } from "./connection";
import { FAILURES, failure, signInPage } from "./failure-page";
import { FLOW_TTL_S, type FlowState, flowOneTimeId, saveFlow, takeFlow } from "./flow-state";
import { announceLink, linkFromAccount, linkRoutes } from "./link-routes";
import { savePendingLink } from "./pending-link";
import { resolveIdentity } from "./resolve-identity";
import { authorizationUrl, completeUpstream, type UpstreamClient, UpstreamError } from "./upstream";

export const federationApp = new Hono<AppEnv>().basePath("/auth/federation");
federationApp.use("*", adoptVariables);
federationApp.onError((err, c) => formatError(c, err, "page"));
federationApp.notFound((c) => formatNotFound(c, "page"));
federationApp.route("/", linkRoutes);

async function enabledConnection(c: Context<AppEnv>, id: string): Promise<Connection | null> {
  if (!CONNECTION_ID.test(id)) return null;
  const row = await findConnectionRow(c.env.DB, id);
  return row?.enabled ? rowToConnection(row) : null;
}

function upstreamClient(c: Context<AppEnv>, connection: Connection): UpstreamClient {
  const config = c.get("config");
  const issuer = new URL(connection.issuer);
  return {
    connection,
    openSecret: async () =>
      connection.clientSecretEnc === null
        ? null
        : decryptString(config.keyEncryptionSecret, connection.clientSecretEnc, connection.id, "connection-secret"),
    redirectUri: `${config.origin}${federationCallbackPath(connection.id)}`,
    allowHttp: config.insecureDev && issuer.protocol === "http:" && LOOPBACK_HOSTS.has(issuer.hostname),
  };
}

/** Start and callback are each work for an anonymous caller (a KV write, upstream requests): limited per IP. */
async function overLimit(c: Context<AppEnv>): Promise<boolean> {
  const ip = clientIp(c);
  if (!ip) return false;
  return !(await hit(c.env, c.get("config").rateLimits, { kind: "ip", ip }, "federationPerIp", Date.now())).allowed;
}

async function startFlow(
  c: Context<AppEnv>,
  connection: Connection,
  flow: Pick<FlowState, "intent" | "linkUserId" | "returnTo">,
  loginHint: string | null,
): Promise<Response> {
  const now = Date.now();
  const state: FlowState = {
    ...flow,
    connectionId: connection.id,
    // 256 bits each; the verifier is 43 unreserved characters (RFC 7636 §4.1).
    state: randomToken(32),
    nonce: randomToken(32),
    codeVerifier: randomToken(32),
    browserHash: await browserBindingHash(c.get("browserId"), "federation"),
    createdAt: now,
    expiresAt: now + FLOW_TTL_S * 1000,
  };
  let url: URL;
  try {
    url = await authorizationUrl(upstreamClient(c, connection), state, loginHint, now);
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    return failure(c, err.kind, flow.returnTo, connection.id, err.reason);
  }
  await saveFlow(c.env, state);
  const res = c.redirect(url.href, 302);
  res.headers.set("Cache-Control", "no-store");
  return res;
}

/**
 * From the sign-in page's "Continue with" link (or `connection=` on /authorize): to the provider. With
 * `intent=link`, from the account page: link another provider to the signed-in account (a fresh sign-in first).
 */
federationApp.get("/:id/start", async (c) => {
  if (c.req.query("intent") === "link") return startLink(c);
  const returnTo = safeReturnTo(c.req.query("return_to"), c.get("config").origin);
  const [connection, client] = await Promise.all([
    enabledConnection(c, c.req.param("id")),
    signInContext(c.env, returnTo),
  ]);
  // The client of the parked request may allow only some connections (client metadata `connections`).
  if (!connection || (client?.connections && !client.connections.includes(connection.id)))
    return failure(c, "unknown_connection", returnTo, null);
  if (await overLimit(c)) return failure(c, "rate_limited", returnTo, connection.id);
  const hint = c.req.query("login_hint")?.slice(0, 254) || null;
  return startFlow(c, connection, { intent: "signin", linkUserId: null, returnTo }, hint);
});

async function startLink(c: Context<AppEnv>): Promise<Response> {
  // A GET from our own page (Sec-Fetch-Site), carrying the CSRF token bound to this browser.
  await assertCsrf(c, c.req.query("csrf"));
  const session = c.get("session");
  if (!session) return c.redirect("/signin?return_to=%2Faccount", 302);
  if (!mayMakeSensitiveChange(session, Date.now())) return c.redirect(REAUTHENTICATE_PATH, 302);
  const connection = await enabledConnection(c, c.req.param("id") ?? "");
  if (!connection) return failure(c, "unknown_connection", "/account", null);
  return startFlow(c, connection, { intent: "link", linkUserId: session.userId, returnTo: "/account" }, null);
}

/**
 * RFC 6749 §4.1.2: the provider's answer, in the query or (Apple, response_mode=form_post) a cross-site form post.
 * Each connection has its own redirect URI, so an answer names the provider it came from (RFC 9700 §4.4.2).
 */
federationApp.on(["GET", "POST"], "/callback/:id", async (c) => {
  const callbackOf = c.req.param("id");
  let params: URLSearchParams;
  if (c.req.method === "POST") {
    const form = await readForm(c);
    // The cross-site post carries none of this browser's SameSite=Lax cookies: the same answer as a GET to ourselves.
    if (isCrossSiteUnsafe(c)) return sameRequestAsGet(c, federationCallbackPath(callbackOf), form);
    params = new URLSearchParams([...form]);
  } else {
    params = new URL(c.req.url).searchParams;
  }
  const now = Date.now();
  if (await overLimit(c)) return failure(c, "rate_limited", "/account", null);
  const flow = await takeFlow(c.env, params.get("state") ?? undefined, now);
  if (!flow) return failure(c, "state_invalid", "/account", null);
  // RFC 9700 §4.7 (login CSRF): only the browser that went to the provider may come back from it.
  if (flow.browserHash !== (await browserBindingHash(c.get("browserId"), "federation")))
    return failure(c, "other_browser", flow.returnTo, flow.connectionId);
  // RFC 9700 §4.4.2 (mix-up): the answer came to another connection's redirect URI than the one this flow went to,
  // so the code is not from the provider whose token endpoint would get it.
  if (callbackOf !== flow.connectionId)
    return failure(
      c,
      "invalid",
      flow.returnTo,
      flow.connectionId,
      `answer at the callback of ${callbackOf.slice(0, 64)}`,
    );
  const connection = await enabledConnection(c, flow.connectionId);
  if (!connection) return failure(c, "unknown_connection", flow.returnTo, flow.connectionId);
  let profile: Awaited<ReturnType<typeof completeUpstream>>;
  try {
    profile = await completeUpstream(upstreamClient(c, connection), params, flow, now);
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    return failure(c, err.kind, flow.returnTo, connection.id, err.reason);
  }
  if (flow.intent === "link") return linkFromAccount(c, flow, connection, profile, now);

  const resolved = await resolveIdentity(c.env.DB, connection, profile, now);
  if (resolved.kind === "refuse") return failure(c, resolved.reason, flow.returnTo, connection.id);
  if (resolved.kind === "prove") {
    const pending = await savePendingLink(c.env, {
      connectionId: connection.id,
      subject: profile.subject,
      email: resolved.email,
      emailVerified: profile.emailVerified,
      name: profile.name,
      returnTo: flow.returnTo,
      browserHash: flow.browserHash,
      createdAt: now,
    });
    return c.redirect(`/auth/federation/link?pending=${pending}`, 303);
  }
  const sink = auditSink(c);
  const { userId } = resolved;
  if (resolved.created)
    recordEvents(
      sink,
      { type: "user.created", userId, detail: { method: "federation", connection: connection.id } },
      now,
    );
  // The address the provider vouched for is the account's: the owner hears of the new way in.
  if (resolved.linked) announceLink(c, { userId, email: profile.email, connection, automatic: true }, now);
  const started = await startSession(
    sink,
    {
      userId,
      method: "federation",
      amr: FEDERATED_AMR,
      consume: await flowOneTimeId(flow),
      credentialId: null,
      connectionId: connection.id,
      identity: identityKey(connection.id, profile.subject),
    },
    browserFacts(c),
    now,
  );
  if (!started.ok && started.reason === "disabled") {
    const link = { href: "/signin", label: "Back to sign in" };
    return renderPage(c, <ErrorPage title="This account is disabled" message={ACCOUNT_DISABLED} link={link} />, 403);
  }
  if (!started.ok) return signInPage(c, flow.returnTo, FAILURES.replayed!.message, null, 400);
  setSessionCookie(c, started);
  // As after a link sign-in: a person without a passkey is offered one.
  if ((await countCredentials(c.env.DB, userId)) === 0) {
    const offer = `/passkey/offer?return_to=${encodeURIComponent(flow.returnTo)}${resolved.created ? "&new=1" : ""}`;
    return c.redirect(offer, 303);
  }
  return c.redirect(flow.returnTo, 303);
});
