/**
 * How a federated sign-in fails: the sign-in page with what went wrong, so the person can go on another way, and a
 * signin.failed audit event. Shared by the sign-in flow (routes.tsx) and the link confirmation (link-routes.tsx).
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import { offeredConnections, signInConnections } from "../db/connections";
import { signInContext } from "../oidc/signin-context";
import { csrfToken } from "../sessions/browser";
import { SignInPage } from "../ui/pages/signin";
import { renderPage } from "../ui/render";

type Status = 400 | 403 | 404 | 409 | 429 | 502;

/** What the person is told, by failure; the reason is the audit event's. */
export const FAILURES: Record<string, { status: Status; message: string }> = {
  unknown_connection: { status: 404, message: "That sign-in provider is not available here." },
  rate_limited: { status: 429, message: "Too many sign-in attempts from this network. Wait a few minutes." },
  state_invalid: {
    status: 400,
    message: "That sign-in attempt has expired or was already used. Start again below.",
  },
  other_browser: { status: 400, message: "That sign-in was started in another browser. Start again here." },
  denied: { status: 400, message: "The sign-in at the provider was cancelled or refused." },
  unavailable: {
    status: 502,
    message: "The sign-in provider did not answer in time. Try again, or sign in another way.",
  },
  invalid: { status: 400, message: "The sign-in provider's answer could not be trusted, so you are not signed in." },
  no_email: { status: 400, message: "The provider did not share an email address, which this site needs." },
  conflict: { status: 409, message: "That sign-in could not be finished. Try again." },
  linked_elsewhere: { status: 409, message: "That account at the provider is already linked to another account here." },
  replayed: { status: 400, message: "That sign-in attempt was already used. Start again below." },
};

/** The sign-in page with what went wrong, so the person can go on another way; recorded as signin.failed. */
export async function failure(
  c: Context<AppEnv>,
  reason: keyof typeof FAILURES,
  returnTo: string,
  connectionId: string | null,
  detail?: string,
): Promise<Response> {
  const { status, message } = FAILURES[reason]!;
  recordEvents(auditSink(c), {
    type: "signin.failed",
    outcome: "failure",
    actor: "anonymous",
    detail: { method: "federation", reason, connection: connectionId, ...(detail ? { upstream: detail } : {}) },
  });
  return signInPage(c, returnTo, message, null, status);
}

/** The sign-in page with `message`, offering every way in this request's client allows. */
export async function signInPage(
  c: Context<AppEnv>,
  returnTo: string,
  message: string,
  loginHint: string | null,
  status: Status | 200,
): Promise<Response> {
  const [client, connections] = await Promise.all([signInContext(c.env, returnTo), signInConnections(c.env.DB)]);
  return renderPage(
    c,
    <SignInPage
      csrf={await csrfToken(c)}
      returnTo={returnTo}
      loginHint={loginHint ?? undefined}
      client={client}
      message={message}
      turnstileSiteKey={c.get("config").turnstile?.siteKey}
      connections={offeredConnections(connections, client?.connections ?? null)}
    />,
    status,
  );
}
