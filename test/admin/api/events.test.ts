/**
 * Admin API audit events: filters, newest-first keyset pages stable under inserts, RFC 3339 bounds, and the NDJSON
 * export streamed over more than two D1 pages. Every answer checked against the OpenAPI document.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EXPORT_PAGE_SIZE } from "../../../src/admin/api/events";
import { type AuditEvent, writeEvents } from "../../../src/audit/record";
import type { Env } from "../../../src/config";
import { randomToken } from "../../../src/lib/crypto";
import { ADMIN_TOKEN, API, adminCall } from "../../helpers/admin-api";

const E = env as unknown as Env;
const FACTS = { ip: "203.0.113.7", country: "NL", userAgent: "events-test" };

type Page = { data: { id: string; time: string; type: string; user_id: string | null }[]; next_cursor: string | null };

async function record(events: AuditEvent[], at: number): Promise<string[]> {
  return writeEvents(E, FACTS, events, at);
}

describe("GET /admin/api/events", () => {
  it("filters by user, client, type and time, newest first, with every field on the wire", async () => {
    const user = `u-${randomToken(6)}`;
    const client = `c-${randomToken(6)}`;
    const t0 = Date.parse("2026-06-01T10:00:00.000Z");
    await record([{ type: "signin.succeeded", userId: user, detail: { method: "passkey" } }], t0);
    await record([{ type: "token.issued", userId: user, clientId: client }], t0 + 60_000);
    await record(
      [{ type: "signin.failed", outcome: "failure", userId: user, detail: { method: "link" } }],
      t0 + 120_000,
    );
    await record([{ type: "client.updated", clientId: client, actor: "admin:token" }], t0 + 180_000);

    const all = (await adminCall("GET", `/events?user_id=${user}`)).body as Page;
    expect(all.data.map((e) => e.type)).toEqual(["signin.failed", "token.issued", "signin.succeeded"]);
    expect(all.data[0]).toEqual({
      id: expect.any(String),
      time: "2026-06-01T10:02:00.000Z",
      type: "signin.failed",
      outcome: "failure",
      user_id: user,
      client_id: null,
      actor: "user",
      ip: "203.0.113.7",
      country: "NL",
      user_agent: "events-test",
      detail: { method: "link" },
    });
    const byClient = (await adminCall("GET", `/events?client_id=${client}`)).body as Page;
    expect(byClient.data.map((e) => e.type)).toEqual(["client.updated", "token.issued"]);
    const byType = (await adminCall("GET", `/events?user_id=${user}&type=signin.succeeded`)).body as Page;
    expect(byType.data.map((e) => e.type)).toEqual(["signin.succeeded"]);
    // since is inclusive, until exclusive.
    const window = (
      await adminCall("GET", `/events?user_id=${user}&since=2026-06-01T10:01:00Z&until=2026-06-01T12:02:00%2B02:00`)
    ).body as Page;
    expect(window.data.map((e) => e.type)).toEqual(["token.issued"]);
  });

  it("pages newest first with a cursor that events recorded meanwhile do not shift (ties in one millisecond too)", async () => {
    const user = `p-${randomToken(6)}`;
    const base = Date.now() - 10_000;
    const ids: string[] = [];
    // Two events in the same millisecond, then three more: the cursor orders by (at, id).
    ids.push(
      ...(await record(
        [
          { type: "session.started", userId: user },
          { type: "session.ended", userId: user },
        ],
        base,
      )),
    );
    for (let i = 1; i <= 3; i++) ids.push(...(await record([{ type: "token.issued", userId: user }], base + i)));
    const expected = [ids[4], ids[3], ids[2], ...[ids[0], ids[1]].sort().reverse()];

    const seen: string[] = [];
    let page = (await adminCall("GET", `/events?user_id=${user}&limit=2`)).body as Page;
    seen.push(...page.data.map((e) => e.id));
    await record([{ type: "token.revoked", userId: user }], Date.now());
    while (page.next_cursor) {
      page = (await adminCall("GET", `/events?user_id=${user}&limit=2&cursor=${page.next_cursor}`)).body as Page;
      seen.push(...page.data.map((e) => e.id));
    }
    expect(seen).toEqual(expected);
  });

  it("refuses a bad since, until, type, limit or cursor with a 400 problem naming the parameter", async () => {
    const bad = [
      "since=yesterday",
      "since=2026-13-01T00:00:00Z",
      "until=2026-06-01",
      "until=1717236000",
      "type=no.such.type",
      "limit=500",
      "cursor=%%%",
      "user_id=has%20space",
    ];
    for (const q of bad) {
      const res = await adminCall("GET", `/events?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((res.body as { errors: { parameter: string }[] }).errors[0]!.parameter, q).toBe(q.split("=")[0]);
      const exported = await adminCall("GET", `/events/export?${q}`);
      if (!q.startsWith("limit") && !q.startsWith("cursor")) expect(exported.status, `export ${q}`).toBe(400);
    }
  });
});

describe("GET /admin/api/events/export", () => {
  it("streams every matching event as NDJSON over more than two D1 pages, newest first", async () => {
    const client = `x-${randomToken(6)}`;
    const total = 2 * EXPORT_PAGE_SIZE + 7;
    const base = Date.now() - 60_000;
    // Three timestamps, many events in each: page boundaries fall inside runs of equal times.
    for (let chunk = 0; chunk < 3; chunk++) {
      const size = chunk < 2 ? EXPORT_PAGE_SIZE - 100 : total - 2 * (EXPORT_PAGE_SIZE - 100);
      const events = Array.from({ length: size }, (_, i) => ({
        type: "token.issued" as const,
        clientId: client,
        detail: { n: chunk * 10_000 + i },
      }));
      for (let i = 0; i < events.length; i += 100) await record(events.slice(i, i + 100), base + chunk);
    }
    await record([{ type: "token.issued", clientId: "someone-else" }], base);

    const res = await adminCall("GET", `/events/export?client_id=${client}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const text = res.body as string;
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(total);
    const events = lines.map((l) => JSON.parse(l) as { id: string; time: string; client_id: string });
    expect(new Set(events.map((e) => e.id)).size).toBe(total);
    expect(events.every((e) => e.client_id === client)).toBe(true);
    const keys = events.map((e) => `${e.time}|${e.id}`);
    expect(keys).toEqual([...keys].sort().reverse());

    // Streamed: the first chunk is one D1 page, not the whole export.
    const streamed = await SELF.fetch(`${API}/events/export?client_id=${client}`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const reader = streamed.body!.getReader();
    const first = await reader.read();
    const firstLines = new TextDecoder().decode(first.value).split("\n").length - 1;
    expect(firstLines).toBeGreaterThan(0);
    expect(firstLines).toBeLessThanOrEqual(EXPORT_PAGE_SIZE);
    await reader.cancel();
  });

  it("an export that matches nothing is an empty NDJSON body", async () => {
    const res = await adminCall("GET", "/events/export?client_id=nobody-at-all");
    expect(res.status).toBe(200);
    expect(res.body).toBe("");
  });
});
