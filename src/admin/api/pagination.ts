/**
 * Cursor pagination: `limit` (default 50, at most 200) and an opaque `cursor` that names the last row returned by
 * its sort key and id. Rows are read "after" that key, so rows inserted meanwhile never shift a page.
 */
import * as v from "valibot";
import { base64url, fromBase64url } from "../../lib/crypto";
import { Problem } from "./problem";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** The query fields every list takes (strings on the wire; `limit` parsed by `pageRequest`). */
export const pageQuery = {
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[0-9]{1,3}$/, "limit is an integer from 1 to 200"),
      v.description("Page size, 1–200, default 50"),
    ),
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(200), v.description("The next_cursor of the previous page"))),
};

/** Where a page starts: after (key, id) in the list's order. */
export interface CursorPosition {
  /** Every list sorts by a time in epoch milliseconds. */
  key: number;
  id: string;
}

export interface PageRequest {
  limit: number;
  after: CursorPosition | null;
}

export function pageRequest(query: { limit?: string; cursor?: string }): PageRequest {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new Problem(400, "validation", "The query is invalid.", [
      { parameter: "limit", detail: `limit is an integer from 1 to ${MAX_LIMIT}` },
    ]);
  }
  return { limit, after: query.cursor === undefined ? null : decodeCursor(query.cursor) };
}

function encodeCursor(position: CursorPosition): string {
  return base64url(new TextEncoder().encode(JSON.stringify([position.key, position.id])));
}

function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(fromBase64url(cursor))) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === "string" &&
      /^[A-Za-z0-9_-]{1,128}$/.test(parsed[1])
    ) {
      return { key: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // falls through to the problem below
  }
  throw new Problem(400, "validation", "The query is invalid.", [
    { parameter: "cursor", detail: "cursor is not one this API returned" },
  ]);
}

/**
 * The page from `rows` read with limit + 1 (the extra row only says whether there is a next page), and the cursor
 * after its last row.
 */
export function pageOf<T>(
  rows: T[],
  limit: number,
  position: (row: T) => CursorPosition,
): { rows: T[]; next_cursor: string | null } {
  if (rows.length <= limit) return { rows, next_cursor: null };
  const page = rows.slice(0, limit);
  return { rows: page, next_cursor: encodeCursor(position(page[page.length - 1]!)) };
}
