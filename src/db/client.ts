/** One Drizzle handle per D1 binding. */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;
const handles = new WeakMap<D1Database, Db>();

export function db(d1: D1Database): Db {
  let h = handles.get(d1);
  if (!h) {
    h = drizzle(d1, { schema });
    handles.set(d1, h);
  }
  return h;
}
