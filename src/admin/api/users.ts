/** Admin API: users. */
import * as v from "valibot";
import { deleteAccount } from "../../account/delete-account";
import { findUserById } from "../../db/users";
import { createUser, updateUser } from "../model/user-changes";
import { listUsers, userSchema, userWire } from "../model/users";
import { actorOf, refusalProblem } from "./actor";
import { operation } from "./operation";
import { pageQuery, pageRequest } from "./pagination";
import { Problem } from "./problem";
import { idParam, listOf } from "./wire";

export const userIdParams = v.object({ id: idParam });

const email = v.pipe(
  v.string(),
  v.maxLength(320),
  v.description("Normalized as sign-in does (trimmed, NFC, lower case)"),
);
const name = v.nullable(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200)));
const roles = v.pipe(
  v.array(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_:.-]{0,63}$/, "a role is a lower-case name"))),
  v.maxLength(32),
  v.description('Role names; "admin" opens the console'),
);

export const userOperations = [
  operation({
    method: "get",
    path: "/users",
    operationId: "listUsers",
    summary: "List users, newest first",
    tag: "users",
    query: v.object({
      email: v.optional(v.pipe(v.string(), v.maxLength(320), v.description("Case-insensitive prefix of the email"))),
      ...pageQuery,
    }),
    responses: { 200: { description: "A page of users", schema: listOf(userSchema) } },
    async handler(c, { query }) {
      const page = await listUsers(c.env.DB, { email: query.email }, pageRequest(query));
      return c.json({ data: page.rows.map(userWire), next_cursor: page.next_cursor });
    },
  }),
  operation({
    method: "post",
    path: "/users",
    operationId: "createUser",
    summary: "Create a user (unverified until a sign-in link is used); 409 when the email exists",
    tag: "users",
    body: v.strictObject({
      email,
      name: v.optional(name),
      roles: v.optional(roles),
      send_invite: v.optional(v.pipe(v.boolean(), v.description("Mail a sign-in link to the new user"))),
    }),
    responses: { 201: { description: "The new user", schema: userSchema } },
    async handler(c, { body }) {
      const input = { email: body.email, name: body.name, roles: body.roles, sendInvite: body.send_invite };
      const result = await createUser(actorOf(c), c.get("config"), input, Date.now());
      if (!result.ok) throw refusalProblem(result);
      return c.json(userWire(result.user), 201, { Location: `/admin/api/users/${result.user.id}` });
    },
  }),
  operation({
    method: "get",
    path: "/users/{id}",
    operationId: "getUser",
    summary: "One user",
    tag: "users",
    params: userIdParams,
    responses: { 200: { description: "The user", schema: userSchema } },
    async handler(c, { params }) {
      const user = await findUserById(c.env.DB, params.id);
      if (!user) throw new Problem(404, "not-found", "There is no user with this id.");
      return c.json(userWire(user));
    },
  }),
  operation({
    method: "patch",
    path: "/users/{id}",
    operationId: "updateUser",
    summary: "Update a user; a new email is unverified until a link to it is used; disabled takes effect at once",
    tag: "users",
    params: userIdParams,
    body: v.strictObject({
      name: v.optional(name),
      email: v.optional(email),
      roles: v.optional(roles),
      disabled: v.optional(
        v.pipe(v.boolean(), v.description("true ends every session and refuses sign-in and tokens at once")),
      ),
    }),
    responses: { 200: { description: "The updated user", schema: userSchema } },
    async handler(c, { params, body }) {
      const result = await updateUser(actorOf(c), c.get("config"), params.id, body, Date.now());
      if (!result.ok) throw refusalProblem(result);
      return c.json(userWire(result.user));
    },
  }),
  operation({
    method: "delete",
    path: "/users/{id}",
    operationId: "deleteUser",
    summary: "Delete a user: passkeys, sessions, refresh families and Durable Object storage go; a tombstone stays",
    tag: "users",
    params: userIdParams,
    responses: { 204: { description: "Deleted" } },
    async handler(c, { params }) {
      const who = actorOf(c);
      if (!(await deleteAccount(c.env, who.sink, params.id, who.actor))) {
        throw new Problem(404, "not-found", "There is no user with this id.");
      }
      return c.body(null, 204);
    },
  }),
];
