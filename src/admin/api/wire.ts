/** Wire conventions of the admin API: RFC 3339 UTC timestamps, list envelopes. */
import * as v from "valibot";

/** RFC 3339 in UTC (e.g. 2026-12-03T16:06:01.000Z). */
export function rfc3339(ms: number): string;
export function rfc3339(ms: number | null): string | null;
export function rfc3339(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export const timestamp = v.pipe(v.string(), v.isoTimestamp(), v.description("RFC 3339, UTC"));
export const nullableTimestamp = v.nullable(timestamp);

/** `{data: [...], next_cursor}` around an item schema. */
export function listOf<S extends v.GenericSchema>(item: S) {
  return v.object({
    data: v.array(item),
    next_cursor: v.pipe(v.nullable(v.string()), v.description("Pass as `cursor` for the next page; null on the last")),
  });
}

/** Path parameter ids: what our ids look like (base64url), so anything else is a 404 before any lookup. */
export const idParam = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,128}$/));
