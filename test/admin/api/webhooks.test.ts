/** Admin API webhooks: create (secret once), list, get, update, delete, URL policy; answers checked against the document. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminCall } from "../../helpers/admin-api";

const URL_OK = "http://127.0.0.1:9/hook";

async function create(body: Record<string, unknown> = {}) {
  return adminCall("POST", "/webhooks", { url: URL_OK, events: ["user.created"], ...body });
}

describe("/admin/api/webhooks", () => {
  it("creates an endpoint whose secret is shown once and is not stored in clear", async () => {
    const res = await create({ description: "CRM sync", events: ["user.created", "user.created", "user.deleted"] });
    expect(res.status).toBe(201);
    const created = res.body as { id: string; secret: string; events: string[]; status: string };
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({
      events: ["user.created", "user.deleted"],
      status: "active",
      description: "CRM sync",
    });
    const row = await env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(created.id).first();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(created.secret.slice(6));
    expect(stored).not.toContain(created.secret.slice(6, 20));
    const got = await adminCall("GET", `/webhooks/${created.id}`);
    expect(got.body).not.toHaveProperty("secret");
    expect(JSON.stringify(got.body)).not.toContain(created.secret.slice(6));
    const list = await adminCall("GET", "/webhooks?limit=200");
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
    expect((list.body as { data: { id: string }[] }).data.map((w) => w.id)).toContain(created.id);
  });

  it("pages the list with a cursor", async () => {
    for (let i = 0; i < 3; i++) await create();
    const first = await adminCall("GET", "/webhooks?limit=2");
    const page = first.body as { data: { id: string }[]; next_cursor: string };
    expect(page.data).toHaveLength(2);
    const second = await adminCall("GET", `/webhooks?limit=2&cursor=${page.next_cursor}`);
    const ids = (second.body as { data: { id: string }[] }).data.map((w) => w.id);
    expect(ids.some((id) => page.data.some((w) => w.id === id))).toBe(false);
  });

  it("refuses URLs against the policy and unknown event types with 422 problems naming the field", async () => {
    for (const url of [
      "ftp://127.0.0.1/hook",
      "http://user:pw@127.0.0.1/hook",
      "not a url",
      `https://a.example/${"x".repeat(2048)}`,
    ]) {
      const res = await create({ url });
      expect(res.status, url).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((res.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe("/url");
    }
    const events = await create({ events: ["user.exploded"] });
    expect(events.status).toBe(422);
    expect((events.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toMatch(/^\/events/);
    expect((await create({ events: [] })).status).toBe(422);
    expect((await create({ secret: "whsec_mine" })).status).toBe(422);
    const { id } = (await create()).body as { id: string };
    expect((await adminCall("PATCH", `/webhooks/${id}`, { url: "gopher://127.0.0.1/" })).status).toBe(422);
    expect((await adminCall("PATCH", `/webhooks/${id}`, { status: "failing" })).status).toBe(422);
  });

  it("updates and deletes; unknown ids are 404", async () => {
    const { id } = (await create()).body as { id: string };
    const patched = await adminCall("PATCH", `/webhooks/${id}`, {
      url: "http://127.0.0.1:9/other",
      events: ["session.started"],
      description: null,
    });
    expect(patched.body).toMatchObject({
      url: "http://127.0.0.1:9/other",
      events: ["session.started"],
      description: null,
    });
    expect((await adminCall("GET", `/webhooks/${id}/deliveries`)).body).toEqual({ data: [], next_cursor: null });
    expect((await adminCall("DELETE", `/webhooks/${id}`)).status).toBe(204);
    for (const [method, path] of [
      ["GET", `/webhooks/${id}`],
      ["PATCH", `/webhooks/${id}`],
      ["DELETE", `/webhooks/${id}`],
      ["GET", `/webhooks/${id}/deliveries`],
      ["POST", `/webhooks/${id}/test`],
    ] as const) {
      const res = await adminCall(method, path, method === "PATCH" ? { description: "x" } : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
  });

  it("without a valid token: 401 and no data on every webhook route", async () => {
    const { id } = (await create()).body as { id: string };
    for (const token of [null, "wrong-token-0123456789", "short"]) {
      for (const [method, path] of [
        ["GET", "/webhooks"],
        ["POST", "/webhooks"],
        ["GET", `/webhooks/${id}`],
        ["PATCH", `/webhooks/${id}`],
        ["DELETE", `/webhooks/${id}`],
        ["GET", `/webhooks/${id}/deliveries`],
        ["POST", `/webhooks/${id}/test`],
      ] as const) {
        const res = await adminCall(method, path, undefined, token);
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(JSON.stringify(res.body)).not.toContain(id);
      }
    }
    expect((await adminCall("GET", `/webhooks/${id}`)).status).toBe(200);
  });
});
