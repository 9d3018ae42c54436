/** The account page and its form actions (rename/delete passkeys, end sessions); data and deletion: privacy-routes. */
import { type Context, Hono } from "hono";
import type { AppEnv, CurrentSession } from "../app-types";
import { type AuditEvent, auditSink, recordEvents } from "../audit/record";
import { findConnectionRow, signInConnections } from "../db/connections";
import { listCredentials, renameCredential } from "../db/credentials";
import { identityKey, listIdentitiesOfUser, unlinkIdentity } from "../db/federated-identities";
import { findUserById } from "../db/users";
import { ApiError } from "../errors";
import { readForm } from "../lib/body";
import { MAX_CREDENTIAL_ID_CHARS } from "../lib/credential-id";
import { assertCsrf, csrfToken } from "../sessions/browser";
import { mayMakeSensitiveChange, REAUTHENTICATE_PATH } from "../sessions/fresh-sign-in";
import { notifySignInChange } from "../signin/sign-in-change-mail";
import { AccountPage, ConfirmDeleteLastPage, ReauthenticatePage } from "../ui/pages/account";
import { renderPage } from "../ui/render";
import { userObject } from "../user/user-object";
import { privacyRoutes } from "./privacy-routes";
import { removePasskey } from "./remove-passkey";

export const accountRoutes = new Hono<AppEnv>();
accountRoutes.route("/", privacyRoutes);

function requireSession(c: Context<AppEnv>): CurrentSession {
  const session = c.get("session");
  if (!session) throw new ApiError("unauthenticated", "Sign in first.");
  return session;
}

const NOTICES: Record<string, string> = {
  renamed: "Passkey renamed.",
  deleted: "Passkey deleted. Any other session it signed in has ended.",
  ended: "Session ended.",
  linked: "Provider linked: you can sign in with it from now on.",
  unlinked: "Provider unlinked.",
};

accountRoutes.get("/account", async (c) => {
  const session = c.get("session");
  if (!session) return c.redirect("/signin?return_to=%2Faccount", 302);
  const [user, passkeys, sessions, identities, connections] = await Promise.all([
    findUserById(c.env.DB, session.userId),
    listCredentials(c.env.DB, session.userId),
    userObject(c.env, session.userId).listSessions(Date.now()),
    listIdentitiesOfUser(c.env.DB, session.userId),
    signInConnections(c.env.DB),
  ]);
  if (!user) return c.redirect("/signin", 302);
  const notice = NOTICES[c.req.query("done") ?? ""];
  const fresh = mayMakeSensitiveChange(session, Date.now());
  return renderPage(
    c,
    <AccountPage
      csrf={await csrfToken(c)}
      email={user.email}
      passkeys={passkeys}
      sessions={sessions}
      currentSid={session.sid}
      notice={notice}
      reauthenticate={fresh ? null : REAUTHENTICATE_PATH}
      providers={{
        linked: identities.map((i) => ({
          connectionId: i.connectionId,
          subject: i.subject,
          displayName: connections.find((conn) => conn.id === i.connectionId)?.displayName ?? i.connectionId,
          email: i.email,
          lastSignInAt: i.lastSignInAt,
        })),
        available: connections.filter((conn) => !identities.some((i) => i.connectionId === conn.id)),
      }}
    />,
  );
});

async function accountForm(c: Context<AppEnv>): Promise<{ session: CurrentSession; form: Map<string, string> }> {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  return { session: requireSession(c), form };
}

function field(form: Map<string, string>, key: string, max: number): string {
  const v = (form.get(key) ?? "").trim();
  if (!v || v.length > max) throw new ApiError("invalid_request", `"${key}" is missing or too long.`);
  return v;
}

accountRoutes.post("/account/passkeys/rename", async (c) => {
  const { session, form } = await accountForm(c);
  const id = field(form, "id", MAX_CREDENTIAL_ID_CHARS);
  const ok = await renameCredential(c.env.DB, session.userId, id, field(form, "name", 64));
  if (!ok) throw new ApiError("not_found", "That passkey is not on your account.");
  // The new name is the person's own words: only the id is recorded.
  recordEvents(auditSink(c), { type: "passkey.renamed", userId: session.userId, detail: { credential_id: id } });
  return c.redirect("/account?done=renamed", 303);
});

accountRoutes.post("/account/passkeys/delete", async (c) => {
  const { session, form } = await accountForm(c);
  const now = Date.now();
  // Removing a passkey needs a recent sign-in (src/sessions/fresh-sign-in.ts): otherwise a page that says so.
  if (!mayMakeSensitiveChange(session, now))
    return renderPage(c, <ReauthenticatePage href={REAUTHENTICATE_PATH} />, 403);
  const id = field(form, "id", MAX_CREDENTIAL_ID_CHARS);
  const passkeys = await listCredentials(c.env.DB, session.userId);
  const target = passkeys.find((p) => p.id === id);
  if (!target) throw new ApiError("not_found", "That passkey is not on your account.");
  // Never remove the last passkey without an explicit confirmation.
  if (passkeys.length === 1 && form.get("confirm") !== "yes") {
    return renderPage(c, <ConfirmDeleteLastPage csrf={await csrfToken(c)} id={target.id} name={target.name} />, 409);
  }
  // The sessions it started go with it (and their grants), except this one, which just signed in afresh.
  const ended = await removePasskey(c.env, session.userId, id, session.sid, now);
  if (!ended) throw new ApiError("not_found", "That passkey is not on your account.");
  const sink = auditSink(c);
  const removed = { credential_id: id, remaining: passkeys.length - 1 };
  recordEvents(sink, { type: "passkey.removed", userId: session.userId, detail: removed }, now);
  const endedEvents = ended.map(
    (sid): AuditEvent => ({
      type: "session.ended",
      userId: session.userId,
      detail: { sid, reason: "passkey_removed", credential_id: id },
    }),
  );
  recordEvents(sink, endedEvents, now);
  const user = await findUserById(c.env.DB, session.userId);
  if (user) notifySignInChange(c, { to: user.email, change: "removed", method: "passkey", name: target.name, at: now });
  return c.redirect("/account?done=deleted", 303);
});

accountRoutes.post("/account/sessions/end", async (c) => {
  const { session, form } = await accountForm(c);
  const sid = field(form, "sid", 64);
  const ended = await userObject(c.env, session.userId).endSession(sid);
  if (!ended) throw new ApiError("not_found", "That session has already ended.");
  const detail = { sid, reason: "ended_from_account", by_sid: session.sid };
  recordEvents(auditSink(c), { type: "session.ended", userId: session.userId, detail });
  return c.redirect("/account?done=ended", 303);
});

/** Unlinking a provider changes how the account is signed in to: a recent sign-in, and never the last way in. */
accountRoutes.post("/account/providers/unlink", async (c) => {
  const { session, form } = await accountForm(c);
  const now = Date.now();
  if (!mayMakeSensitiveChange(session, now))
    return renderPage(c, <ReauthenticatePage href={REAUTHENTICATE_PATH} />, 403);
  const connectionId = field(form, "connection", 64);
  // The upstream subject exactly as stored (OIDC Core §2: at most 255 ASCII characters; never trimmed).
  const subject = form.get("subject") ?? "";
  if (!subject || subject.length > 255) throw new ApiError("invalid_request", '"subject" is missing or too long.');
  const result = await unlinkIdentity(c.env.DB, { userId: session.userId, connectionId, subject });
  if (result === "not_found") throw new ApiError("not_found", "That provider is not linked to your account.");
  if (result === "last_way_in")
    throw new ApiError("last_credential", "This provider is your only way to sign in: add a passkey first.");
  // As with a removed passkey: the sessions started through it end (this one stays), and the owner is told.
  const ended = await userObject(c.env, session.userId).endSessionsThrough(
    identityKey(connectionId, subject),
    session.sid,
    now,
  );
  const detail = { connection: connectionId, sessions_ended: ended.length };
  recordEvents(auditSink(c), { type: "federation.unlinked", userId: session.userId, detail }, now);
  const [user, connection] = await Promise.all([
    findUserById(c.env.DB, session.userId),
    findConnectionRow(c.env.DB, connectionId),
  ]);
  const name = connection?.displayName ?? connectionId;
  if (user) notifySignInChange(c, { to: user.email, change: "removed", method: "provider", name, at: now });
  return c.redirect("/account?done=unlinked", 303);
});
