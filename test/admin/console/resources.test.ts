/**
 * Console pages for APIs (resource servers): add, edit and delete from forms with the admin API's rules, the built-in
 * admin API shown read-only, and a client's grants set per API with checkboxes.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../../../src/db/client";
import { users } from "../../../src/db/schema";
import { findUserByEmail } from "../../../src/db/users";
import { signUp } from "../../helpers/accounts";
import { adminCall } from "../../helpers/admin-api";
import type { TestBrowser } from "../../helpers/browser";
import { REDIRECT_URI } from "../../helpers/oidc-client";

const HTML = { accept: "text/html" };

async function newAdmin(): Promise<TestBrowser> {
  const { browser, email } = await signUp();
  const user = await findUserByEmail(env.DB, email);
  await db(env.DB).update(users).set({ roles: '["admin"]' }).where(eq(users.id, user!.id)).run();
  return browser;
}

describe("APIs page", () => {
  it("adds an API from the form, edits its name, scopes and lifetime, and deletes it", async () => {
    const browser = await newAdmin();
    const identifier = `https://console-${crypto.randomUUID().slice(0, 8)}.example/api`;
    const added = await browser.fetch("/admin/resources", {
      form: {
        csrf: await browser.csrf(),
        identifier,
        name: "Console API",
        scopes: "items:read Read your items\r\nitems:write",
        access_token_ttl_seconds: "",
      },
    });
    expect(added.status).toBe(303);
    const location = added.headers.get("location")!;
    const id = /\/admin\/resources\/([^?]+)/.exec(location)![1]!;
    expect((await adminCall("GET", `/resources/${id}`)).body).toMatchObject({
      identifier,
      scopes: [
        { value: "items:read", description: "Read your items" },
        { value: "items:write", description: "" },
      ],
      access_token_ttl_seconds: 300,
    });
    const page = await (await browser.fetch(location, { headers: HTML })).text();
    expect(page).toContain("API added.");
    expect(page).toContain("items:read Read your items");
    const saved = await browser.fetch(`/admin/resources/${id}`, {
      form: { csrf: await browser.csrf(), name: "Renamed", scopes: "items:read Read", access_token_ttl_seconds: "600" },
    });
    expect(saved.status).toBe(303);
    expect((await adminCall("GET", `/resources/${id}`)).body).toMatchObject({
      name: "Renamed",
      scopes: [{ value: "items:read", description: "Read" }],
      access_token_ttl_seconds: 600,
    });
    const list = await (await browser.fetch("/admin/resources", { headers: HTML })).text();
    expect(list).toContain("Renamed");
    expect(list).toContain("Latchkey admin API");
    const deleted = await browser.fetch(`/admin/resources/${id}/delete`, { form: { csrf: await browser.csrf() } });
    expect(deleted.status).toBe(303);
    expect((await adminCall("GET", `/resources/${id}`)).status).toBe(404);
  });

  it("refuses what the admin API refuses, with the reason, creating nothing; the built-in one is read-only", async () => {
    const browser = await newAdmin();
    const bad = await browser.fetch("/admin/resources", {
      headers: HTML,
      form: { csrf: await browser.csrf(), identifier: "https://x.example/#frag", name: "X", scopes: "openid" },
    });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("fragment");
    expect(html).toContain("OpenID Connect scope");
    const ttl = await browser.fetch("/admin/resources", {
      headers: HTML,
      form: { csrf: await browser.csrf(), identifier: "https://y.example/", name: "Y", access_token_ttl_seconds: "5" },
    });
    expect(ttl.status).toBe(422);
    const { results } = await env.DB.prepare("SELECT id FROM resource_servers WHERE name IN ('X', 'Y')").all();
    expect(results).toEqual([]);
    const builtIn = await (await browser.fetch("/admin/resources/admin-api", { headers: HTML })).text();
    expect(builtIn).toContain("cannot be changed or deleted");
    expect(builtIn).not.toContain("/admin/resources/admin-api/delete");
    const refused = await browser.fetch("/admin/resources/admin-api/delete", {
      headers: HTML,
      form: { csrf: await browser.csrf() },
    });
    expect(refused.status).toBe(409);
    // CSRF: a form without the token changes nothing.
    const forged = await browser.fetch("/admin/resources", {
      headers: HTML,
      form: { identifier: "https://z.example/", name: "Z" },
    });
    expect(forged.status).toBe(403);
  });
});

describe("client grants page", () => {
  it("grants a client scopes on an API with checkboxes, changes them and removes the grant", async () => {
    const browser = await newAdmin();
    const client = (await adminCall("POST", "/clients", { redirect_uris: [REDIRECT_URI], client_name: "Grantee" }))
      .body as { client_id: string };
    const api = (
      await adminCall("POST", "/resources", {
        identifier: `https://grants-${crypto.randomUUID().slice(0, 8)}.example/`,
        name: "Grants API",
        scopes: [
          { value: "g:read", description: "" },
          { value: "g:write", description: "" },
        ],
      })
    ).body as { id: string };
    const base = `/admin/clients/${client.client_id}/grants`;
    const apiPath = `/clients/${client.client_id}/grants/${api.id}`;
    const before = await (await browser.fetch(base, { headers: HTML })).text();
    expect(before).toContain("Grant Grants API");
    const granted = await browser.fetch(`${base}/${api.id}`, {
      form: { csrf: await browser.csrf(), "scope:g:read": "on", "scope:g:write": "on" },
    });
    expect(granted.status).toBe(303);
    expect((await adminCall("GET", apiPath)).body).toMatchObject({ scopes: ["g:read", "g:write"] });
    await browser.fetch(`${base}/${api.id}`, { form: { csrf: await browser.csrf(), "scope:g:write": "on" } });
    expect((await adminCall("GET", apiPath)).body).toMatchObject({ scopes: ["g:write"] });
    const after = await (await browser.fetch(base, { headers: HTML })).text();
    expect(after).toContain("Save grant on Grants API");
    expect((await browser.fetch(`${base}/${api.id}/delete`, { form: { csrf: await browser.csrf() } })).status).toBe(
      303,
    );
    expect((await adminCall("GET", apiPath)).status).toBe(404);
    const clientsPage = await (await browser.fetch("/admin/clients", { headers: HTML })).text();
    expect(clientsPage).toContain(`href="${base}"`);
  });
});
