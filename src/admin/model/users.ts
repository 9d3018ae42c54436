/** Users as the admin API and console see them: list, find, and the wire shape. */
import { and, desc, eq, lt, or, type SQL, sql } from "drizzle-orm";
import * as v from "valibot";
import { db } from "../../db/client";
import { users } from "../../db/schema";
import type { User } from "../../db/users";
import { type PageRequest, pageOf } from "../api/pagination";
import { nullableTimestamp, rfc3339, timestamp } from "../api/wire";

export const userSchema = v.object({
  id: v.string(),
  email: v.string(),
  email_verified: v.boolean(),
  name: v.nullable(v.string()),
  roles: v.array(v.string()),
  disabled: v.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
  last_sign_in_at: nullableTimestamp,
});
export type UserWire = v.InferOutput<typeof userSchema>;

export function parseRoles(json: string): string[] {
  try {
    const roles = JSON.parse(json) as unknown;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
  } catch {
    return [];
  }
}

export function userWire(user: User): UserWire {
  return {
    id: user.id,
    email: user.email,
    email_verified: user.emailVerifiedAt !== null,
    name: user.name,
    roles: parseRoles(user.roles),
    disabled: user.disabledAt !== null,
    created_at: rfc3339(user.createdAt),
    updated_at: rfc3339(user.updatedAt ?? user.createdAt),
    last_sign_in_at: rfc3339(user.lastSignInAt),
  };
}

/** LIKE with the pattern characters of `prefix` escaped: a literal, case-insensitive (ASCII) prefix match. */
function emailPrefix(prefix: string): SQL {
  const escaped = prefix.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`);
  return sql`${users.email} LIKE ${`${escaped}%`} ESCAPE '\\'`;
}

/** Newest first; the cursor is (created_at, id) of the last row. */
export async function listUsers(
  d1: D1Database,
  filter: { email?: string },
  page: PageRequest,
): Promise<{ rows: User[]; next_cursor: string | null }> {
  const conditions: SQL[] = [];
  if (filter.email) conditions.push(emailPrefix(filter.email));
  if (page.after) {
    const key = Number(page.after.key);
    conditions.push(or(lt(users.createdAt, key), and(eq(users.createdAt, key), lt(users.id, page.after.id)))!);
  }
  const rows = await db(d1)
    .select()
    .from(users)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(page.limit + 1)
    .all();
  return pageOf(rows, page.limit, (u) => ({ key: u.createdAt, id: u.id }));
}
