/** Console routes for users: the table, one user's page, and the actions on it. */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { deleteAccount } from "../../account/delete-account";
import type { AppEnv } from "../../app-types";
import { auditSink } from "../../audit/record";
import { findUserById } from "../../db/users";
import { ApiError } from "../../errors";
import { csrfToken } from "../../sessions/browser";
import { renderPage } from "../../ui/render";
import { pageRequest } from "../api/pagination";
import { idParam } from "../api/wire";
import { eventWire, listEvents } from "../model/events";
import { setDisabled } from "../model/user-changes";
import { listUserPasskeys } from "../model/user-passkeys";
import { endAllUserSessions, endUserSession, listUserSessions } from "../model/user-sessions";
import { listUsers, userWire } from "../model/users";
import { actorOf, consoleForm, whoOf } from "./form";
import { ConfirmDeleteUserPage, UserPage } from "./user-page";
import { UsersPage } from "./users-page";

export const consoleUserRoutes = new Hono<AppEnv>();

const NOTICES: Record<string, string> = {
  "sessions-ended": "Every session of this user has ended.",
  "session-ended": "The session has ended.",
  disabled: "The user is disabled: their sessions have ended and they cannot sign in.",
  enabled: "The user is enabled: they can sign in again.",
  deleted: "The user has been deleted.",
};

const MAX_EMAIL_PREFIX = 320;
const RECENT_EVENTS = 10;

consoleUserRoutes.get("/users", async (c) => {
  const email = (c.req.query("email") ?? "").trim().slice(0, MAX_EMAIL_PREFIX);
  const page = await listUsers(c.env.DB, { email }, pageRequest({ cursor: c.req.query("cursor") }));
  const next = page.next_cursor
    ? `/admin/users?${new URLSearchParams({ ...(email ? { email } : {}), cursor: page.next_cursor })}`
    : null;
  return renderPage(
    c,
    <UsersPage
      csrf={await csrfToken(c)}
      email={email}
      users={page.rows.map(userWire)}
      next={next}
      notice={NOTICES[c.req.query("done") ?? ""]}
    />,
  );
});

/** The user the path names, or a 404 page (an id that cannot be one of ours is never looked up). */
async function pathUser(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  const user = v.is(idParam, id) ? await findUserById(c.env.DB, id) : null;
  if (!user) throw new ApiError("not_found", "There is no user with this id.");
  return user;
}

consoleUserRoutes.get("/users/:id", async (c) => {
  const user = await pathUser(c);
  const [passkeys, sessions, events] = await Promise.all([
    listUserPasskeys(c.env.DB, user.id),
    listUserSessions(whoOf(c), user.id, Date.now()),
    listEvents(c.env.DB, { userId: user.id }, { limit: RECENT_EVENTS, after: null }),
  ]);
  return renderPage(
    c,
    <UserPage
      csrf={await csrfToken(c)}
      user={userWire(user)}
      passkeys={passkeys}
      sessions={sessions}
      events={events.rows.map(eventWire)}
      notice={NOTICES[c.req.query("done") ?? ""]}
    />,
  );
});

const userPath = (id: string, done: string) => `/admin/users/${encodeURIComponent(id)}?done=${done}`;

consoleUserRoutes.post("/users/:id/sessions/end", async (c) => {
  const form = await consoleForm(c);
  const user = await pathUser(c);
  const sid = form.get("sid");
  if (sid === undefined) {
    await endAllUserSessions(whoOf(c), user.id);
    return c.redirect(userPath(user.id, "sessions-ended"), 303);
  }
  if (!(await endUserSession(whoOf(c), user.id, sid.slice(0, 64)))) {
    throw new ApiError("not_found", "That session has already ended.");
  }
  return c.redirect(userPath(user.id, "session-ended"), 303);
});

for (const [action, disabled] of [
  ["disable", true],
  ["enable", false],
] as const) {
  consoleUserRoutes.post(`/users/:id/${action}`, async (c) => {
    await consoleForm(c);
    const user = await pathUser(c);
    const changed = await setDisabled(whoOf(c), user.id, disabled, Date.now());
    if (!changed.ok) throw new ApiError("not_found", changed.message);
    return c.redirect(userPath(user.id, disabled ? "disabled" : "enabled"), 303);
  });
}

consoleUserRoutes.get("/users/:id/delete", async (c) => {
  const user = await pathUser(c);
  return renderPage(c, <ConfirmDeleteUserPage csrf={await csrfToken(c)} user={userWire(user)} />);
});

consoleUserRoutes.post("/users/:id/delete", async (c) => {
  const form = await consoleForm(c);
  const user = await pathUser(c);
  // The confirmation step: a post without it (a stray or replayed form) shows the question again.
  if (form.get("confirm") !== "yes") {
    return renderPage(c, <ConfirmDeleteUserPage csrf={await csrfToken(c)} user={userWire(user)} />, 409);
  }
  await deleteAccount(c.env, auditSink(c), user.id, actorOf(c));
  return c.redirect("/admin/users?done=deleted", 303);
});
