/** Admin API webhooks: endpoints, the secret shown once and sealed at rest, URL policy, deliveries, test messages. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createWebhook } from "../../../src/admin/model/webhooks";
import { getConfig } from "../../../src/config";
import { decryptString } from "../../../src/keys/crypto-box";
import { adminCall } from "../../helpers/admin-api";
import { receiverName, receiverUrl } from "../../helpers/webhook-receiver";

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: string;
  secret?: string;
}

async function create(body: Record<string, unknown>): Promise<Endpoint> {
  const res = await adminCall("POST", "/webhooks", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Endpoint;
}

function problemPointers(res: { status: number; headers: Headers; body: unknown }): string[] {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (res.body as { errors?: { pointer: string }[] }).errors?.map((e) => e.pointer) ?? [];
}

describe("admin API webhooks", () => {
  it("creates an endpoint whose secret is in the reply once, never afterwards, and sealed in D1", async () => {
    const url = receiverUrl(receiverName("ok"));
    const created = await create({ url, events: ["user.deleted", "user.deleted"], description: "CRM sync" });
    expect(created).toMatchObject({ url, events: ["user.deleted"], description: "CRM sync", status: "active" });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await adminCall("GET", `/webhooks/${created.id}`);
    expect(got.body).toMatchObject({ id: created.id, url });
    expect(JSON.stringify(got.body)).not.toContain("whsec_");
    const listed = (await adminCall("GET", "/webhooks?limit=200")).body as { data: Endpoint[] };
    expect(listed.data.find((e) => e.id === created.id)).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(created.secret!.slice(6));

    const row = await env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(created.id).first();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(created.secret!.slice(6));
    expect(stored).not.toContain("whsec_");
    const config = getConfig(env);
    const sealed = (row as { secret_enc: string }).secret_enc;
    expect(await decryptString(config.keyEncryptionSecret, sealed, created.id, "webhook-secret")).toBe(created.secret);
    // Its own key: neither the signing-key purpose nor another row's id opens it.
    await expect(decryptString(config.keyEncryptionSecret, sealed, created.id)).rejects.toThrow();
    await expect(decryptString(config.keyEncryptionSecret, sealed, "ep_other", "webhook-secret")).rejects.toThrow();
  });

  it("refuses URLs outside the policy and unknown event types with 422 problems naming the field", async () => {
    for (const url of [
      "ftp://hooks.example.com/in",
      "https://user:pass@hooks.example.com/in",
      "https://hooks.example.com/in#x",
      `https://hooks.example.com/${"a".repeat(2100)}`,
      "hooks.example.com/in",
    ]) {
      const res = await adminCall("POST", "/webhooks", { url, events: ["user.created"] });
      expect(res.status, url).toBe(422);
      expect(problemPointers(res), url).toEqual(["/url"]);
    }
    for (const events of [[], ["user.exploded"], "user.created"]) {
      const res = await adminCall("POST", "/webhooks", { url: "https://hooks.example.com/in", events });
      expect(res.status, JSON.stringify(events)).toBe(422);
      expect(problemPointers(res)[0]).toMatch(/^\/events/);
    }
    const extra = await adminCall("POST", "/webhooks", {
      url: "https://h.example.com/",
      events: ["user.created"],
      x: 1,
    });
    expect(extra.status).toBe(422);
    const count = await env.DB.prepare(
      "SELECT count(*) AS n FROM webhook_endpoints WHERE url LIKE '%hooks.example.com%'",
    ).first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("on a non-dev issuer refuses loopback and private receivers (the same 422)", async () => {
    const config = { ...getConfig(env), insecureDev: false };
    for (const url of ["https://127.0.0.1/in", "https://localhost/in", "https://10.0.0.8/in", "https://[::1]/in"]) {
      await expect(createWebhook(env, config, { url, events: ["user.created"] }), url).rejects.toMatchObject({
        status: 422,
        errors: [{ pointer: "/url" }],
      });
    }
    await expect(
      createWebhook(env, config, { url: "http://hooks.example.com/", events: ["user.created"] }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("changes an endpoint with PATCH (URL checked again) and deletes it with its deliveries", async () => {
    const created = await create({ url: receiverUrl(receiverName("ok")), events: ["user.created"] });
    const patched = await adminCall("PATCH", `/webhooks/${created.id}`, {
      events: ["user.enabled", "user.disabled"],
      description: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ["user.enabled", "user.disabled"], description: null });
    const bad = await adminCall("PATCH", `/webhooks/${created.id}`, { url: "https://u:p@example.com/" });
    expect(bad.status).toBe(422);
    expect(problemPointers(bad)).toEqual(["/url"]);
    expect((await adminCall("PATCH", `/webhooks/${created.id}`, { status: "failing" })).status).toBe(422);
    expect((await adminCall("PATCH", "/webhooks/ep_unknown", { description: "x" })).status).toBe(404);

    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, attempt, at, status_code, duration_ms, error, outcome) VALUES ('d1', ?, 'msg_1', 'user.created', 1, 1, 204, 5, NULL, 'succeeded')",
    )
      .bind(created.id)
      .run();
    expect((await adminCall("DELETE", `/webhooks/${created.id}`)).status).toBe(204);
    expect((await adminCall("GET", `/webhooks/${created.id}`)).status).toBe(404);
    expect((await adminCall("DELETE", `/webhooks/${created.id}`)).status).toBe(404);
    expect((await adminCall("GET", `/webhooks/${created.id}/deliveries`)).status).toBe(404);
    expect((await adminCall("POST", `/webhooks/${created.id}/test`)).status).toBe(404);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?")
      .bind(created.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("lists delivery attempts newest first with a cursor", async () => {
    const created = await create({ url: receiverUrl(receiverName("ok")), events: ["user.created"] });
    for (const [i, outcome, status] of [
      [1, "retrying", 500],
      [2, "retrying", null],
      [3, "succeeded", 204],
    ] as const) {
      await env.DB.prepare(
        "INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, attempt, at, status_code, duration_ms, error, outcome, next_attempt_at) VALUES (?, ?, 'msg_p', 'user.created', ?, ?, ?, 12, ?, ?, ?)",
      )
        .bind(
          `dp${i}-${created.id}`,
          created.id,
          i,
          1_700_000_000_000 + i * 1000,
          status,
          status === 204 ? null : "HTTP 500",
          outcome,
          status === 204 ? null : 1_700_000_000_000 + i * 1000 + 5000,
        )
        .run();
    }
    const first = await adminCall("GET", `/webhooks/${created.id}/deliveries?limit=2`);
    const page1 = first.body as { data: { attempt: number; next_attempt_at: string | null }[]; next_cursor: string };
    expect(page1.data.map((d) => d.attempt)).toEqual([3, 2]);
    expect(page1.data[1]!.next_attempt_at).toBe(new Date(1_700_000_000_000 + 7000).toISOString());
    const second = await adminCall("GET", `/webhooks/${created.id}/deliveries?limit=2&cursor=${page1.next_cursor}`);
    expect(second.body).toMatchObject({
      data: [{ attempt: 1, status_code: 500, outcome: "retrying" }],
      next_cursor: null,
    });
  });

  it("queues a webhook.test message: 202 with its webhook-id", async () => {
    const created = await create({ url: receiverUrl(receiverName("ok")), events: ["user.created"] });
    const res = await adminCall("POST", `/webhooks/${created.id}/test`);
    expect(res.status).toBe(202);
    expect((res.body as { message_id: string }).message_id).toMatch(/^msg_/);
  });
});
