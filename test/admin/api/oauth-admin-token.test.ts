/**
 * The admin API through OAuth: client_credentials tokens for the built-in admin API resource in place of
 * ADMIN_TOKEN. admin:read reads, admin:write changes; a token without the scope is 403 problem+json, one for another
 * resource or revoked is 401; every change names the client as its actor.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_RESOURCE_ID } from "../../../src/oidc/resource-registry";
import { uniqueEmail } from "../../helpers/accounts";
import { adminCall, openApi } from "../../helpers/admin-api";
import { waitForEvents } from "../../helpers/audit";
import {
  clientCredentials,
  createApi,
  createMachineClient,
  grantScopes,
  type MachineClient,
  postAsClient,
} from "../../helpers/machine-client";
import { ISSUER } from "../../helpers/oidc-client";

const ADMIN_API = `${ISSUER}/admin/api`;

async function adminToken(scopes: string[]): Promise<{ client: MachineClient; token: string }> {
  const client = await createMachineClient({ client_name: `admin ${scopes.join(" ") || "none"}` });
  await grantScopes(client.client_id, ADMIN_RESOURCE_ID, scopes);
  const res = await clientCredentials(client, { resource: ADMIN_API });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { client, token: res.body.access_token as string };
}

let reader: { client: MachineClient; token: string };
let writer: { client: MachineClient; token: string };

beforeAll(async () => {
  reader = await adminToken(["admin:read"]);
  writer = await adminToken(["admin:read", "admin:write"]);
});

describe("admin API with OAuth access tokens", () => {
  it("the document names the oauth2 scheme and the scope each operation needs", async () => {
    const doc = (await openApi()) as unknown as {
      components: { securitySchemes: Record<string, { flows?: { clientCredentials: { tokenUrl: string } } }> };
      paths: Record<string, Record<string, { security: Record<string, string[]>[] }>>;
    };
    expect(doc.components.securitySchemes.oauth2!.flows!.clientCredentials.tokenUrl).toBe(`${ISSUER}/token`);
    expect(doc.paths["/users"]!.get!.security).toContainEqual({ oauth2: ["admin:read"] });
    expect(doc.paths["/users"]!.post!.security).toContainEqual({ oauth2: ["admin:write"] });
  });

  it("admin:read reads every list; it cannot change anything on any route (403 problem+json, nothing written)", async () => {
    expect((await adminCall("GET", "/users?limit=1", undefined, reader.token)).status).toBe(200);
    expect((await adminCall("GET", "/resources", undefined, reader.token)).status).toBe(200);
    const doc = await openApi();
    const writes = Object.entries(doc.paths).flatMap(([template, methods]) =>
      Object.keys(methods)
        .map((m) => m.toUpperCase())
        .filter((m) => m !== "GET")
        .map((method) => ({ template, method })),
    );
    expect(writes.length).toBeGreaterThanOrEqual(10);
    for (const { template, method } of writes) {
      const path = template.replace(/\{[^}]+\}/g, "abc123");
      const body = method === "GET" || method === "DELETE" ? undefined : { email: uniqueEmail("ro-write") };
      const res = await adminCall(method, path, body, reader.token);
      const what = `${method} ${template}`;
      expect(res.status, what).toBe(403);
      expect(res.headers.get("content-type"), what).toBe("application/problem+json");
      expect(res.headers.get("www-authenticate"), what).toContain('error="insufficient_scope"');
    }
    const created = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email LIKE 'ro-write-%'").first<{
      n: number;
    }>();
    expect(created!.n).toBe(0);
    // The refused attempt is in the audit log with the client as actor.
    const events = await waitForEvents({ type: "admin.request", detailContains: '"status":403' }, ["admin.request"]);
    expect(events.some((e) => e.actor === `client:${reader.client.client_id}` && e.outcome === "failure")).toBe(true);
  });

  it("admin:write changes things, audited with the client as actor", async () => {
    const email = uniqueEmail("oauth-admin");
    const res = await adminCall("POST", "/users", { email }, writer.token);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const userId = (res.body as { id: string }).id;
    const events = await waitForEvents({ userId, type: "user.created" }, ["user.created"]);
    expect(events[0]!.actor).toBe(`client:${writer.client.client_id}`);
  });

  it("a token without admin scopes cannot read: 403", async () => {
    const none = await adminToken([]);
    const res = await adminCall("GET", "/users", undefined, none.token);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('scope="admin:read"');
  });

  it("401 for a token of another resource, a revoked token and a deleted client's token", async () => {
    const api = await createApi(["admin:read"]);
    const client = await createMachineClient();
    await grantScopes(client.client_id, api.id, ["admin:read"]);
    const foreign = (await clientCredentials(client, { resource: api.identifier })).body.access_token as string;
    expect((await adminCall("GET", "/users", undefined, foreign)).status).toBe(401);

    const revoked = await adminToken(["admin:read"]);
    expect((await adminCall("GET", "/users?limit=1", undefined, revoked.token)).status).toBe(200);
    expect((await postAsClient("/revoke", revoked.client, { token: revoked.token })).status).toBe(200);
    expect((await adminCall("GET", "/users?limit=1", undefined, revoked.token)).status).toBe(401);

    const deleted = await adminToken(["admin:read"]);
    expect((await adminCall("DELETE", `/clients/${deleted.client.client_id}`)).status).toBe(204);
    expect((await adminCall("GET", "/users?limit=1", undefined, deleted.token)).status).toBe(401);
  });

  it("a scope taken from the client after issue no longer counts for its token", async () => {
    const t = await adminToken(["admin:read"]);
    expect((await adminCall("GET", "/users?limit=1", undefined, t.token)).status).toBe(200);
    await grantScopes(t.client.client_id, ADMIN_RESOURCE_ID, []);
    expect((await adminCall("GET", "/users?limit=1", undefined, t.token)).status).toBe(403);
  });
});
