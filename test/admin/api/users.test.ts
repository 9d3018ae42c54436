/** Admin API users: list with email prefix and cursor, one user; every answer checked against the OpenAPI document. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { upsertVerifiedUser } from "../../../src/db/users";
import { adminCall } from "../../helpers/admin-api";

describe("GET /admin/api/users", () => {
  it("lists by case-insensitive email prefix, pages with a cursor stable under inserts", async () => {
    const base = Date.now();
    for (let i = 0; i < 5; i++) await upsertVerifiedUser(env.DB, `pager-${i}@list.example`, base + i);
    const first = await adminCall("GET", "/users?email=PAGER-&limit=2");
    expect(first.status).toBe(200);
    const page1 = first.body as { data: { email: string }[]; next_cursor: string };
    expect(page1.data.map((u) => u.email)).toEqual(["pager-4@list.example", "pager-3@list.example"]);
    // A user created meanwhile (newer than every row) does not shift the next page.
    await upsertVerifiedUser(env.DB, "pager-9@list.example", base + 9);
    const second = await adminCall("GET", `/users?email=pager-&limit=2&cursor=${page1.next_cursor}`);
    expect((second.body as { data: { email: string }[] }).data.map((u) => u.email)).toEqual([
      "pager-2@list.example",
      "pager-1@list.example",
    ]);
    const last = await adminCall(
      "GET",
      `/users?email=pager-&limit=2&cursor=${(second.body as { next_cursor: string }).next_cursor}`,
    );
    expect(last.body).toMatchObject({ data: [{ email: "pager-0@list.example" }], next_cursor: null });
  });

  it("treats % and _ in the prefix literally", async () => {
    await upsertVerifiedUser(env.DB, "under_score@list.example", Date.now());
    await upsertVerifiedUser(env.DB, "underXscore@list.example", Date.now());
    const res = await adminCall("GET", "/users?email=under_");
    expect((res.body as { data: { email: string }[] }).data.map((u) => u.email)).toEqual(["under_score@list.example"]);
  });

  it("refuses a bad limit or cursor with problem details naming the parameter", async () => {
    for (const q of [
      "limit=0",
      "limit=201",
      "limit=abc",
      "cursor=not-a-cursor",
      "cursor=WyJhYmMiLCJ4Il0",
      "cursor=WzFlOTk5LCJ4Il0",
      "limit=1&limit=2",
    ]) {
      const res = await adminCall("GET", `/users?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((res.body as { errors: { parameter: string }[] }).errors[0]!.parameter).toBe(q.split("=")[0]);
    }
  });

  it("answers one user by id and 404 for an unknown or malformed id", async () => {
    const user = await upsertVerifiedUser(env.DB, "one@list.example", Date.now());
    const res = await adminCall("GET", `/users/${user.id}`);
    expect(res.body).toMatchObject({
      id: user.id,
      email: "one@list.example",
      email_verified: true,
      roles: [],
      disabled: false,
    });
    expect((await adminCall("GET", "/users/unknown-id")).status).toBe(404);
    expect((await adminCall("GET", "/users/bad%20id")).status).toBe(404);
  });

  it("without a valid token: 401 with a Bearer challenge and no data", async () => {
    for (const token of [null, "wrong-token-0123456789", "short"]) {
      const res = await adminCall("GET", "/users", undefined, token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(JSON.stringify(res.body)).not.toContain("@");
    }
  });
});
