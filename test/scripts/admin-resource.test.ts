/** `npm run admin -- resource`: its argument rules, and that its statement registers a resource D1 and the API read. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { identifierProblem, insertResourceSql, nameProblem } from "../../scripts/admin-resource.mjs";
import { adminCall } from "../helpers/admin-api";

describe("npm run admin -- resource", () => {
  it("refuses identifiers that are not absolute https URIs without a fragment, and bad names", () => {
    for (const bad of ["orders", "http://api.example/", "https://api.example/#x", "https://a b.example/", "ftp://x/"]) {
      expect(identifierProblem(bad), bad).not.toBeNull();
    }
    expect(identifierProblem("https://api.example/v1")).toBeNull();
    expect(identifierProblem("http://localhost:9000/api")).toBeNull();
    expect(nameProblem("  ")).not.toBeNull();
    expect(nameProblem("a\u0007b")).not.toBeNull();
    expect(nameProblem("x".repeat(201))).not.toBeNull();
    expect(() => insertResourceSql("https://api.example/#x", "Orders", "rs_0123456789abcdef", 1)).toThrow(TypeError);
    expect(() => insertResourceSql("https://api.example/", "Orders", "rs_'--", 1)).toThrow(TypeError);
  });

  it("its statement inserts a resource the admin API lists (quotes in the name kept), once per identifier", async () => {
    const identifier = `https://legacy-${crypto.randomUUID().slice(0, 8)}.example/it's`;
    const id = "rs_legacyResource01";
    const run = (rid: string) =>
      env.DB.prepare(insertResourceSql(identifier, "Bob's API", rid, Date.now()))
        .all()
        .then((r) => r.results);
    expect(await run(id)).toEqual([{ id }]);
    expect(await run("rs_legacyResource02")).toEqual([]);
    const got = await adminCall("GET", `/resources/${id}`);
    expect(got.body).toMatchObject({ identifier, name: "Bob's API", scopes: [], access_token_ttl_seconds: 300 });
  });
});
