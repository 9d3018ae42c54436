/** Admin API: users. */
import * as v from "valibot";
import { findUserById } from "../../db/users";
import { listUsers, userSchema, userWire } from "../model/users";
import { operation } from "./operation";
import { pageQuery, pageRequest } from "./pagination";
import { Problem } from "./problem";
import { idParam, listOf } from "./wire";

const userIdParams = v.object({ id: idParam });

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
];
