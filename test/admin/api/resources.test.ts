/**
 * Admin API resource servers and client grants: validation of identifiers and scopes, the built-in admin API
 * resource, grants that follow their resource's scopes, cascades and audit events. Answers checked against the
 * OpenAPI document.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_RESOURCE_ID } from "../../../src/oidc/resource-registry";
import { adminCall } from "../../helpers/admin-api";
import { waitForEvents } from "../../helpers/audit";
import { ISSUER, REDIRECT_URI } from "../../helpers/oidc-client";

interface Resource {
  id: string;
  identifier: string;
  name: string;
  scopes: { value: string; description: string }[];
  access_token_ttl_seconds: number;
  introspection_clients: string[];
  built_in: boolean;
}

let n = 0;
function identifier(): string {
  n += 1;
  return `https://api${n}-${crypto.randomUUID().slice(0, 8)}.example/`;
}

async function createResource(body: Record<string, unknown> = {}): Promise<Resource> {
  const res = await adminCall("POST", "/resources", {
    identifier: identifier(),
    name: "Orders API",
    scopes: [
      { value: "orders:read", description: "Read your orders" },
      { value: "orders:write", description: "Place orders" },
    ],
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Resource;
}

async function createClient(): Promise<string> {
  const res = await adminCall("POST", "/clients", { redirect_uris: [REDIRECT_URI], client_name: "Grant RP" });
  expect(res.status).toBe(201);
  return (res.body as { client_id: string }).client_id;
}

function pointers(res: { body: unknown }): string[] {
  return ((res.body as { errors?: { pointer?: string }[] }).errors ?? []).map((e) => e.pointer ?? "");
}

describe("admin API resources", () => {
  it("creates, reads, lists, updates and deletes a resource, each change audited with its actor", async () => {
    const created = await createResource({ access_token_ttl_seconds: 900 });
    expect(created).toMatchObject({ name: "Orders API", access_token_ttl_seconds: 900, built_in: false });
    expect((await adminCall("GET", `/resources/${created.id}`)).body).toMatchObject({ identifier: created.identifier });
    const patched = await adminCall("PATCH", `/resources/${created.id}`, {
      name: "Orders",
      access_token_ttl_seconds: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "Orders", access_token_ttl_seconds: 300 });
    expect((await adminCall("DELETE", `/resources/${created.id}`)).status).toBe(204);
    expect((await adminCall("GET", `/resources/${created.id}`)).status).toBe(404);
    expect((await adminCall("DELETE", `/resources/${created.id}`)).status).toBe(404);
    const rows = await waitForEvents({ detailContains: created.id }, [
      "resource.created",
      "resource.updated",
      "resource.deleted",
    ]);
    expect(rows.filter((r) => r.type.startsWith("resource.")).every((r) => r.actor === "admin:token")).toBe(true);
  });

  it("lists the built-in admin API first and pages through the rest with cursors", async () => {
    const made = [await createResource(), await createResource(), await createResource()];
    const first = await adminCall("GET", "/resources?limit=2");
    const page1 = first.body as { data: Resource[]; next_cursor: string | null };
    expect(page1.data[0]).toMatchObject({ id: ADMIN_RESOURCE_ID, identifier: `${ISSUER}/admin/api`, built_in: true });
    expect(page1.data).toHaveLength(2);
    const seen = [...page1.data];
    let cursor = page1.next_cursor;
    while (cursor) {
      const next = (await adminCall("GET", `/resources?limit=2&cursor=${cursor}`)).body as typeof page1;
      seen.push(...next.data);
      cursor = next.next_cursor;
    }
    const ids = seen.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of made) expect(ids).toContain(r.id);
    expect(ids.filter((id) => id === ADMIN_RESOURCE_ID)).toHaveLength(1);
  });

  it("the built-in admin API resource is readable but PATCH and DELETE are 409 problems", async () => {
    expect((await adminCall("GET", `/resources/${ADMIN_RESOURCE_ID}`)).body).toMatchObject({
      scopes: [{ value: "admin:read" }, { value: "admin:write" }],
    });
    const patch = await adminCall("PATCH", `/resources/${ADMIN_RESOURCE_ID}`, { name: "Mine" });
    expect(patch.status).toBe(409);
    expect((await adminCall("DELETE", `/resources/${ADMIN_RESOURCE_ID}`)).status).toBe(409);
    const taken = await adminCall("POST", "/resources", { identifier: `${ISSUER}/admin/api`, name: "x" });
    expect(taken.status).toBe(409);
  });

  it("refuses identifiers that are not absolute https URIs without a fragment, or the issuer, with 422", async () => {
    for (const bad of [
      "orders",
      "/api",
      "http://api.example/",
      "ftp://api.example/",
      "https://api.example/#x",
      "https://api.example/a b",
      ISSUER,
      `${ISSUER}/`,
      `https://api.example/${"a".repeat(2000)}`,
    ]) {
      const res = await adminCall("POST", "/resources", { identifier: bad, name: "x" });
      expect(res.status, bad).toBe(422);
      expect(pointers(res), bad).toContain("/identifier");
    }
    // RFC 8252 §8.3 spirit: plain http only on loopback, for local development.
    const local = await adminCall("POST", "/resources", { identifier: "http://127.0.0.1:9000/api", name: "x" });
    expect(local.status).toBe(201);
  });

  it("a taken identifier is a 409 problem and creates nothing", async () => {
    const first = await createResource();
    const again = await adminCall("POST", "/resources", { identifier: first.identifier, name: "Twin" });
    expect(again.status).toBe(409);
    const { results } = await env.DB.prepare("SELECT id FROM resource_servers WHERE identifier = ?")
      .bind(first.identifier)
      .all();
    expect(results).toHaveLength(1);
  });

  it("refuses scope values that are not RFC 6749 §3.3 scope-tokens, OIDC scopes, duplicates, and bad TTLs", async () => {
    const cases: [unknown, string][] = [
      [[{ value: "a b", description: "" }], "/scopes/0/value"],
      [[{ value: 'say"', description: "" }], "/scopes/0/value"],
      [[{ value: "back\\slash", description: "" }], "/scopes/0/value"],
      [[{ value: "", description: "" }], "/scopes/0/value"],
      [[{ value: "openid", description: "" }], "/scopes/0/value"],
      [
        [
          { value: "x", description: "" },
          { value: "x", description: "" },
        ],
        "/scopes/1/value",
      ],
      [[{ value: "x", description: "d".repeat(301) }], "/scopes/0/description"],
      [Array.from({ length: 101 }, (_, i) => ({ value: `s${i}`, description: "" })), "/scopes"],
    ];
    for (const [scopes, pointer] of cases) {
      const res = await adminCall("POST", "/resources", { identifier: identifier(), name: "x", scopes });
      expect(res.status, pointer).toBe(422);
      expect(pointers(res), JSON.stringify(res.body)).toContain(pointer);
    }
    for (const ttl of [59, 86401, 1.5, "600"]) {
      const res = await adminCall("POST", "/resources", {
        identifier: identifier(),
        name: "x",
        access_token_ttl_seconds: ttl,
      });
      expect(res.status, String(ttl)).toBe(422);
    }
    const frozen = await createResource();
    const moved = await adminCall("PATCH", `/resources/${frozen.id}`, { identifier: identifier() });
    expect(moved.status).toBe(422);
  });

  it("introspection_clients must name existing clients", async () => {
    const clientId = await createClient();
    const bad = await adminCall("POST", "/resources", {
      identifier: identifier(),
      name: "x",
      introspection_clients: [clientId, "no-such-client"],
    });
    expect(bad.status).toBe(422);
    expect(pointers(bad)).toEqual(["/introspection_clients/1"]);
    const good = await createResource({ introspection_clients: [clientId] });
    expect(good.introspection_clients).toEqual([clientId]);
  });
});

describe("admin API client grants", () => {
  it("sets, reads, lists and deletes a client's scopes on a resource; unknown scopes are a 422 naming them", async () => {
    const clientId = await createClient();
    const resource = await createResource();
    const path = `/clients/${clientId}/grants/${resource.id}`;
    expect((await adminCall("GET", path)).status).toBe(404);
    const unknown = await adminCall("PUT", path, { scopes: ["orders:read", "orders:delete"] });
    expect(unknown.status).toBe(422);
    expect(pointers(unknown)).toEqual(["/scopes/1"]);
    expect(JSON.stringify(unknown.body)).toContain("orders:delete");
    const put = await adminCall("PUT", path, { scopes: ["orders:read", "orders:read"] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ client_id: clientId, resource_id: resource.id, scopes: ["orders:read"] });
    expect((await adminCall("PUT", path, { scopes: ["orders:write"] })).body).toMatchObject({
      scopes: ["orders:write"],
    });
    const admin = await adminCall("PUT", `/clients/${clientId}/grants/${ADMIN_RESOURCE_ID}`, {
      scopes: ["admin:read"],
    });
    expect(admin.status).toBe(200);
    const listed = (await adminCall("GET", `/clients/${clientId}/grants`)).body as { data: { resource_id: string }[] };
    expect(listed.data.map((g) => g.resource_id).sort()).toEqual([ADMIN_RESOURCE_ID, resource.id].sort());
    expect((await adminCall("DELETE", path)).status).toBe(204);
    expect((await adminCall("DELETE", path)).status).toBe(404);
    const rows = await waitForEvents({ clientId }, ["client_grant.updated", "client_grant.deleted"]);
    expect(rows.find((r) => r.type === "client_grant.deleted")).toMatchObject({
      actor: "admin:token",
      detail: { resource_id: resource.id },
    });
  });

  it("an unknown client or resource is a 404", async () => {
    const clientId = await createClient();
    const resource = await createResource();
    expect((await adminCall("PUT", `/clients/nobody/grants/${resource.id}`, { scopes: [] })).status).toBe(404);
    expect((await adminCall("PUT", `/clients/${clientId}/grants/rs_nothing`, { scopes: [] })).status).toBe(404);
    expect((await adminCall("GET", "/clients/nobody/grants")).status).toBe(404);
  });

  it("removing a scope from a resource removes it from every grant; deleting the resource deletes its grants", async () => {
    const [a, b] = [await createClient(), await createClient()];
    const resource = await createResource();
    await adminCall("PUT", `/clients/${a}/grants/${resource.id}`, { scopes: ["orders:read", "orders:write"] });
    await adminCall("PUT", `/clients/${b}/grants/${resource.id}`, { scopes: ["orders:write"] });
    const narrowed = await adminCall("PATCH", `/resources/${resource.id}`, {
      scopes: [{ value: "orders:read", description: "Read your orders" }],
    });
    expect(narrowed.status).toBe(200);
    expect((await adminCall("GET", `/clients/${a}/grants/${resource.id}`)).body).toMatchObject({
      scopes: ["orders:read"],
    });
    expect((await adminCall("GET", `/clients/${b}/grants/${resource.id}`)).body).toMatchObject({ scopes: [] });
    expect((await adminCall("DELETE", `/resources/${resource.id}`)).status).toBe(204);
    const { results } = await env.DB.prepare("SELECT * FROM client_grants WHERE resource_id = ?")
      .bind(resource.id)
      .all();
    expect(results).toEqual([]);
  });

  it("deleting a client deletes its grants", async () => {
    const clientId = await createClient();
    const resource = await createResource();
    await adminCall("PUT", `/clients/${clientId}/grants/${resource.id}`, { scopes: ["orders:read"] });
    expect((await adminCall("DELETE", `/clients/${clientId}`)).status).toBe(204);
    const { results } = await env.DB.prepare("SELECT * FROM client_grants WHERE client_id = ?").bind(clientId).all();
    expect(results).toEqual([]);
  });
});
