/**
 * Linking an upstream identity to an account that exists: from the account page ("Add <provider>", after a fresh
 * sign-in), or confirmed at /auth/federation/link once the person proved the address the provider named.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import { findConnectionRow } from "../db/connections";
import { findIdentity, linkIdentity } from "../db/federated-identities";
import { findUserByEmail, findUserById } from "../db/users";
import { readForm } from "../lib/body";
import { parkedRedirectUri } from "../oidc/signin-context";
import { allowFormRedirect } from "../security-headers";
import { assertCsrf, browserBindingHash, csrfToken } from "../sessions/browser";
import { notifySignInChange } from "../signin/sign-in-change-mail";
import { FederationLinkPage } from "../ui/pages/federation-link";
import { renderPage } from "../ui/render";
import { userObject } from "../user/user-object";
import type { Connection } from "./connection";
import { failure, signInPage } from "./failure-page";
import { type FlowState, flowOneTimeId } from "./flow-state";
import { forgetPendingLink, loadPendingLink, type PendingLink, pendingLinkOneTimeId } from "./pending-link";

/** Mounted by routes.tsx under /auth/federation. */
export const linkRoutes = new Hono<AppEnv>();

/** A new link: recorded (federation.linked, published as a webhook) and mailed to the account's address. */
export function announceLink(
  c: Context<AppEnv>,
  link: {
    userId: string;
    email: string | null;
    connection: Pick<Connection, "id" | "displayName">;
    automatic: boolean;
  },
  now: number,
): void {
  const detail = { connection: link.connection.id, automatic: link.automatic };
  recordEvents(auditSink(c), { type: "federation.linked", userId: link.userId, detail }, now);
  if (link.email)
    notifySignInChange(c, {
      to: link.email,
      change: "added",
      method: "provider",
      name: link.connection.displayName,
      at: now,
    });
}

/** The account page's "Link": the identity joins the signed-in account, unless it is another account's already. */
export async function linkFromAccount(
  c: Context<AppEnv>,
  flow: FlowState,
  connection: Connection,
  profile: { subject: string; email: string | null; emailVerified: boolean; name: string | null },
  now: number,
): Promise<Response> {
  const session = c.get("session");
  if (!session || session.userId !== flow.linkUserId) return failure(c, "state_invalid", "/account", connection.id);
  // Single-use in the user's Durable Object, not KV alone (takeFlow's delete is not atomic).
  if (!(await userObject(c.env, session.userId).consumeOnce(await flowOneTimeId(flow))))
    return failure(c, "replayed", "/account", connection.id);
  const key = { connectionId: connection.id, subject: profile.subject };
  const existing = await findIdentity(c.env.DB, key.connectionId, key.subject);
  if (existing && existing.userId !== session.userId) return failure(c, "linked_elsewhere", "/account", connection.id);
  if (!existing) {
    const seen = { email: profile.email, emailVerified: profile.emailVerified, name: profile.name };
    const linked = await linkIdentity(c.env.DB, { ...key, userId: session.userId }, seen, now);
    if (linked !== session.userId) return failure(c, "linked_elsewhere", "/account", connection.id);
    const user = await findUserById(c.env.DB, session.userId);
    announceLink(c, { userId: session.userId, email: user?.email ?? null, connection, automatic: false }, now);
  }
  return c.redirect("/account?done=linked", 303);
}

/**
 * Whether this session may confirm the pending link: signed in as the account that has the address, after the
 * provider answered, by a way that proves the address or the account (an emailed link asked for in this browser,
 * or a passkey), never by federation itself.
 */
async function mayConfirm(c: Context<AppEnv>, pending: PendingLink): Promise<boolean> {
  const session = c.get("session");
  if (!session || session.method === "federation" || session.crossDevice || session.authTime < pending.createdAt)
    return false;
  if (pending.browserHash !== (await browserBindingHash(c.get("browserId"), "federation"))) return false;
  const owner = await findUserByEmail(c.env.DB, pending.email);
  return owner?.id === session.userId;
}

const PENDING_GONE = "This link request has expired or was already used. Sign in again with the provider.";

linkRoutes.get("/link", async (c) => {
  const id = c.req.query("pending");
  const pending = await loadPendingLink(c.env, id, Date.now());
  if (!pending) return signInPage(c, "/account", PENDING_GONE, null, 400);
  const row = await findConnectionRow(c.env.DB, pending.connectionId);
  const provider = row?.displayName ?? pending.connectionId;
  if (!(await mayConfirm(c, pending))) {
    // The "nOAuth" rule: the provider's word does not prove the address here; an emailed link (or a passkey) does.
    // The same words whether or not an account has the address (no enumeration); an emailed link creates one.
    const message = `${provider} did not prove your address. To sign in with ${provider}, first prove that ${pending.email} is yours: sign in with your passkey or an emailed link, then link ${provider}.`;
    return signInPage(c, `/auth/federation/link?pending=${id}`, message, pending.email, 200);
  }
  const target = await parkedRedirectUri(c.env, pending.returnTo);
  if (target) allowFormRedirect(c, target);
  return renderPage(
    c,
    <FederationLinkPage
      csrf={await csrfToken(c)}
      pending={id!}
      provider={provider}
      email={pending.email}
      skipTo={pending.returnTo}
    />,
  );
});

linkRoutes.post("/link", async (c) => {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  const now = Date.now();
  const id = form.get("pending") ?? "";
  const pending = await loadPendingLink(c.env, id, now);
  const session = c.get("session");
  if (!pending || !session) return signInPage(c, "/account", PENDING_GONE, null, 400);
  if (!(await mayConfirm(c, pending))) return c.redirect(`/auth/federation/link?pending=${id}`, 303);
  // Single-use in the user's Durable Object, not KV alone.
  if (!(await userObject(c.env, session.userId).consumeOnce(pendingLinkOneTimeId(id, pending))))
    return signInPage(c, "/account", PENDING_GONE, null, 400);
  const seen = { email: pending.email, emailVerified: pending.emailVerified, name: pending.name };
  const key = { connectionId: pending.connectionId, subject: pending.subject, userId: session.userId };
  const linked = await linkIdentity(c.env.DB, key, seen, now);
  c.executionCtx.waitUntil(forgetPendingLink(c.env, id).catch(() => {}));
  if (linked !== session.userId) return failure(c, "linked_elsewhere", "/account", pending.connectionId);
  const row = await findConnectionRow(c.env.DB, pending.connectionId);
  const connection = { id: pending.connectionId, displayName: row?.displayName ?? pending.connectionId };
  announceLink(c, { userId: session.userId, email: pending.email, connection, automatic: false }, now);
  return c.redirect(pending.returnTo, 303);
});
