/**
 * Every admin API route refuses a call without a valid token: 401, a Bearer challenge (RFC 6750 §3), and no data.
 * The routes come from the served OpenAPI document, so a route added later is covered without changing this test.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { upsertVerifiedUser } from "../../../src/db/users";
import { uniqueEmail } from "../../helpers/accounts";
import { ADMIN_TOKEN, adminCall, openApi } from "../../helpers/admin-api";

const BAD_TOKENS: [string, string | null][] = [
  ["no token", null],
  ["a wrong token of the right length", `${ADMIN_TOKEN.slice(0, -1)}x`],
  ["a short token", "short"],
];

describe("admin API authorization", () => {
  it("every path and method of the document: 401 with WWW-Authenticate: Bearer and no data", async () => {
    const doc = await openApi();
    // A real user, so that a route that answered without authorization would have data to leak.
    const email = uniqueEmail("authz");
    const user = await upsertVerifiedUser(env.DB, email, Date.now());
    const operations = Object.entries(doc.paths).flatMap(([template, methods]) =>
      Object.keys(methods).map((method) => ({ template, method: method.toUpperCase() })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(9);
    for (const { template, method } of operations) {
      const path = template.replace(/\{[^}]+\}/g, (param) => (param === "{id}" ? user.id : "abc123"));
      const body = method === "POST" || method === "PATCH" ? { email: uniqueEmail("authz-body") } : undefined;
      for (const [label, token] of BAD_TOKENS) {
        const res = await adminCall(method, path, body, token);
        const what = `${method} ${template} with ${label}`;
        expect(res.status, what).toBe(401);
        expect(res.headers.get("www-authenticate"), what).toMatch(/^Bearer( |$)/);
        expect(res.headers.get("content-type"), what).toBe("application/problem+json");
        const text = JSON.stringify(res.body);
        expect(text, what).not.toContain(user.id);
        expect(text, what).not.toContain("@");
      }
    }
    // Nothing was changed by any of those calls.
    const after = await adminCall("GET", `/users/${user.id}`);
    expect(after.body).toMatchObject({ email, disabled: false });
    const created = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email LIKE 'authz-body-%'").first<{
      n: number;
    }>();
    expect(created!.n).toBe(0);
  });
});
