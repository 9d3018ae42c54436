/** One Drizzle handle per D1 binding, and the hot queries prepared once per binding. */
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;
const handles = new WeakMap<D1Database, Db>();
const preparedQueries = new WeakMap<D1Database, Map<string, unknown>>();

export function db(d1: D1Database): Db {
  let h = handles.get(d1);
  if (!h) {
    h = drizzle(d1, { schema });
    handles.set(d1, h);
  }
  return h;
}

/**
 * A query built once per binding with `sql.placeholder`s and `.prepare()`d: later calls only bind values, so the
 * sign-in and SSO paths skip Drizzle's query building (docs/performance.md). `name` identifies the query.
 */
export function prepared<Q>(d1: D1Database, name: string, build: (db: Db) => Q): Q {
  let byName = preparedQueries.get(d1);
  if (!byName) {
    byName = new Map();
    preparedQueries.set(d1, byName);
  }
  let q = byName.get(name) as Q | undefined;
  if (q === undefined) {
    q = build(db(d1));
    byName.set(name, q);
  }
  return q;
}
