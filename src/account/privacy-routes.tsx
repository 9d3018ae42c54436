/** Privacy self-service on the account page: download one's data, delete one's account. */
import { type Context, Hono } from "hono";
import type { AppEnv, CurrentSession } from "../app-types";
import { auditSink, recordEvents } from "../audit/record";
import { findUserById } from "../db/users";
import { ApiError } from "../errors";
import { readForm } from "../lib/body";
import { assertCsrf, csrfToken } from "../sessions/browser";
import { clearCookie } from "../sessions/cookies";
import { mayMakeSensitiveChange, REAUTHENTICATE_TO_DELETE_PATH } from "../sessions/fresh-sign-in";
import { ReauthenticatePage } from "../ui/pages/account";
import { AccountDeletedPage, DeleteAccountPage } from "../ui/pages/account-delete";
import { renderPage } from "../ui/render";
import { buildDataExport } from "./data-export";
import { deleteAccount } from "./delete-account";

export const privacyRoutes = new Hono<AppEnv>();

const DELETE_ACTION = "Deleting your account";

async function signedInForm(c: Context<AppEnv>): Promise<{ session: CurrentSession; form: Map<string, string> }> {
  const form = await readForm(c);
  await assertCsrf(c, form.get("csrf"));
  const session = c.get("session");
  if (!session) throw new ApiError("unauthenticated", "Sign in first.");
  return { session, form };
}

/**
 * A POST with the CSRF token, like every account form, so no other site can make the browser fetch it; the answer
 * is a download, never cached (it holds personal data).
 */
privacyRoutes.post("/account/data", async (c) => {
  const { session } = await signedInForm(c);
  const now = Date.now();
  const data = await buildDataExport(c.env, session, now);
  if (!data) throw new ApiError("unauthenticated", "Sign in first.");
  // Handing out everything stored about a person is itself something they (and an auditor) should be able to see.
  recordEvents(auditSink(c), { type: "user.data_exported", userId: session.userId, actor: "user", detail: {} }, now);
  const day = new Date(now).toISOString().slice(0, 10);
  return c.body(`${JSON.stringify(data, null, 2)}\n`, 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Disposition": `attachment; filename="latchkey-data-${day}.json"`,
    "Cache-Control": "no-store",
  });
});

/** The confirmation form; a stale or cross-device sign-in is asked to sign in again, and comes back here. */
privacyRoutes.get("/account/delete", async (c) => {
  const session = c.get("session");
  if (!session) return c.redirect(REAUTHENTICATE_TO_DELETE_PATH, 302);
  if (!mayMakeSensitiveChange(session, Date.now())) {
    return renderPage(c, <ReauthenticatePage href={REAUTHENTICATE_TO_DELETE_PATH} action={DELETE_ACTION} />, 403);
  }
  const user = await findUserById(c.env.DB, session.userId);
  if (!user) return c.redirect("/signin", 302);
  return renderPage(c, <DeleteAccountPage csrf={await csrfToken(c)} email={user.email} />);
});

privacyRoutes.post("/account/delete", async (c) => {
  const { session, form } = await signedInForm(c);
  // NIST SP 800-63B §7.2.1: reauthenticate before a change this grave (src/sessions/fresh-sign-in.ts).
  if (!mayMakeSensitiveChange(session, Date.now())) {
    return renderPage(c, <ReauthenticatePage href={REAUTHENTICATE_TO_DELETE_PATH} action={DELETE_ACTION} />, 403);
  }
  const user = await findUserById(c.env.DB, session.userId);
  if (!user) throw new ApiError("unauthenticated", "Sign in first.");
  // The confirmation: the account's own address, typed (stored addresses are trimmed and lower-cased).
  if ((form.get("email") ?? "").trim().toLowerCase() !== user.email) {
    const error = "That is not this account's email address. Nothing was deleted.";
    return renderPage(c, <DeleteAccountPage csrf={await csrfToken(c)} email={user.email} error={error} />, 400);
  }
  // The one wipe (also the admin API's): every session and grant ends with the user's Durable Object.
  await deleteAccount(c.env, auditSink(c), session.userId, "user");
  clearCookie(c, "session");
  c.set("session", null);
  return renderPage(c, <AccountDeletedPage />);
});
