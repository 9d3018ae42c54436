/** Admin API: a user's passkeys and sessions. */

import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../app-types";
import { findUserById } from "../../db/users";
import { MAX_CREDENTIAL_ID_CHARS } from "../../lib/credential-id";
import { listUserPasskeys, passkeySchema, removeUserPasskey } from "../model/user-passkeys";
import { endAllUserSessions, endUserSession, listUserSessions, sessionSchema } from "../model/user-sessions";
import { actorOf } from "./actor";
import { operation } from "./operation";
import { Problem } from "./problem";
import { userIdParams } from "./users";
import { idParam, listOf } from "./wire";

async function requireUser(c: Context<AppEnv>, id: string): Promise<void> {
  if (!(await findUserById(c.env.DB, id))) throw new Problem(404, "not-found", "There is no user with this id.");
}

const credentialId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/), v.maxLength(MAX_CREDENTIAL_ID_CHARS));

export const userDeviceOperations = [
  operation({
    method: "get",
    path: "/users/{id}/passkeys",
    operationId: "listUserPasskeys",
    summary: "A user's passkeys, oldest first (one page: a user has few)",
    tag: "users",
    params: userIdParams,
    responses: { 200: { description: "The passkeys", schema: listOf(passkeySchema) } },
    async handler(c, { params }) {
      await requireUser(c, params.id);
      return c.json({ data: await listUserPasskeys(c.env.DB, params.id), next_cursor: null });
    },
  }),
  operation({
    method: "delete",
    path: "/users/{id}/passkeys/{credential_id}",
    operationId: "removeUserPasskey",
    summary: "Remove a passkey; the sessions it started end with their grants",
    tag: "users",
    params: v.object({ id: idParam, credential_id: credentialId }),
    responses: { 204: { description: "Removed" } },
    async handler(c, { params }) {
      if (!(await removeUserPasskey(actorOf(c), params.id, params.credential_id, Date.now()))) {
        throw new Problem(404, "not-found", "This user has no such passkey.");
      }
      return c.body(null, 204);
    },
  }),
  operation({
    method: "get",
    path: "/users/{id}/sessions",
    operationId: "listUserSessions",
    summary: "A user's live sessions (one page: a user has few)",
    tag: "users",
    params: userIdParams,
    responses: { 200: { description: "The sessions", schema: listOf(sessionSchema) } },
    async handler(c, { params }) {
      await requireUser(c, params.id);
      return c.json({ data: await listUserSessions(actorOf(c), params.id, Date.now()), next_cursor: null });
    },
  }),
  operation({
    method: "delete",
    path: "/users/{id}/sessions/{session_id}",
    operationId: "endUserSession",
    summary: "End one session and the grants tied to it",
    tag: "users",
    params: v.object({ id: idParam, session_id: idParam }),
    responses: { 204: { description: "Ended" } },
    async handler(c, { params }) {
      if (!(await endUserSession(actorOf(c), params.id, params.session_id))) {
        throw new Problem(404, "not-found", "This user has no such live session.");
      }
      return c.body(null, 204);
    },
  }),
  operation({
    method: "delete",
    path: "/users/{id}/sessions",
    operationId: "endAllUserSessions",
    summary: "End every session and revoke every grant of a user",
    tag: "users",
    params: userIdParams,
    responses: { 204: { description: "Ended" } },
    async handler(c, { params }) {
      await requireUser(c, params.id);
      await endAllUserSessions(actorOf(c), params.id);
      return c.body(null, 204);
    },
  }),
];
