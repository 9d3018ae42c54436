/**
 * Webhook delivery through the real WEBHOOKS queue to loopback receivers (test/global-setup.ts), with the retry
 * schedule of this project (WEBHOOK_RETRY_DELAYS "1,1": at most three attempts, a second apart). Signatures are
 * checked by the standardwebhooks package on the receiver's side.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { redeemLink, requestLinkToken, uniqueEmail } from "../helpers/accounts";
import { adminCall } from "../helpers/admin-api";
import { TestBrowser } from "../helpers/browser";
import {
  endpointFor,
  type ReceivedHook,
  received,
  receiverName,
  registerSecret,
  waitForHooks,
} from "../helpers/webhook-receiver";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Delivery {
  message_id: string;
  attempt: number;
  status_code: number | null;
  outcome: string;
  error: string | null;
  duration_ms: number;
  next_attempt_at: string | null;
}

async function deliveries(id: string): Promise<Delivery[]> {
  const res = await adminCall("GET", `/webhooks/${id}/deliveries`);
  expect(res.status).toBe(200);
  return (res.body as { data: Delivery[] }).data;
}

/** Polls the deliveries list until `done` holds (the attempt row is written after the receiver answered). */
async function waitForDeliveries(id: string, done: (rows: Delivery[]) => boolean): Promise<Delivery[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await deliveries(id);
    if (done(rows) || Date.now() > deadline) return rows;
    await sleep(100);
  }
}

describe("webhook delivery", { timeout: 30_000 }, () => {
  it("signs each message as Standard Webhooks libraries verify it", async () => {
    const name = receiverName("ok");
    const endpoint = await endpointFor(name, ["user.created"]);
    const test = await adminCall("POST", `/webhooks/${endpoint.id}/test`);
    expect(test.status).toBe(202);
    const [hook] = await waitForHooks(name, 1);
    expect(hook?.verified).toBe("ok");
    expect(hook!.headers["webhook-id"]).toBe((test.body as { message_id: string }).message_id);
    expect(Math.abs(Number(hook!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    const body = JSON.parse(hook!.body) as { type: string; timestamp: string; data: unknown };
    expect(body).toEqual({ type: "webhook.test", timestamp: expect.any(String), data: { endpoint_id: endpoint.id } });
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    const [row] = await waitForDeliveries(endpoint.id, (rows) => rows.length > 0);
    expect(row).toMatchObject({ attempt: 1, status_code: 204, outcome: "succeeded", error: null });

    // The same check fails with another endpoint's secret: the receiver really verifies.
    const other = receiverName("ok");
    const second = await endpointFor(other, ["user.created"]);
    await registerSecret(other, endpoint.secret);
    await adminCall("POST", `/webhooks/${second.id}/test`);
    const [forged] = await waitForHooks(other, 1);
    expect(forged?.verified).not.toBe("ok");
  });

  it("retries a receiver that fails twice: exactly three attempts with one webhook-id, the last one succeeds", async () => {
    const name = receiverName("flaky2");
    const endpoint = await endpointFor(name, ["user.created"]);
    expect((await adminCall("POST", `/webhooks/${endpoint.id}/test`)).status).toBe(202);
    const rows = await waitForDeliveries(endpoint.id, (r) => r.some((d) => d.outcome === "succeeded"));
    // Nothing more arrives after the success (the schedule would have allowed no further attempt anyway).
    await sleep(2500);
    const hooks = await received(name);
    expect(hooks.map((h) => h.answered)).toEqual([500, 500, 204]);
    expect(new Set(hooks.map((h) => h.headers["webhook-id"])).size).toBe(1);
    expect(hooks.every((h) => h.verified === "ok")).toBe(true);
    expect(
      rows
        .map((d) => [d.attempt, d.status_code, d.outcome, d.next_attempt_at === null])
        .sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual([
      [1, 500, "retrying", false],
      [2, 500, "retrying", false],
      [3, 204, "succeeded", true],
    ]);
    expect((await deliveries(endpoint.id)).length).toBe(3);
  });

  it("marks an endpoint that fails the whole schedule failing, records webhook.failing; PATCH active resets it", async () => {
    const name = receiverName("fail");
    const endpoint = await endpointFor(name, ["user.created"]);
    await adminCall("POST", `/webhooks/${endpoint.id}/test`);
    const rows = await waitForDeliveries(endpoint.id, (r) => r.some((d) => d.outcome === "failed"));
    expect(rows.map((d) => d.outcome).sort()).toEqual(["failed", "retrying", "retrying"]);
    expect(rows.every((d) => d.status_code === 500 && d.error === "HTTP 500")).toBe(true);
    expect((await received(name)).length).toBe(3);
    expect((await adminCall("GET", `/webhooks/${endpoint.id}`)).body).toMatchObject({ status: "failing" });
    const deadline = Date.now() + 5000;
    let events: { detail: string }[] = [];
    while (events.length === 0 && Date.now() < deadline) {
      events = (
        await env.DB.prepare("SELECT detail FROM audit_events WHERE type = 'webhook.failing' AND detail LIKE ?")
          .bind(`%${endpoint.id}%`)
          .all<{ detail: string }>()
      ).results;
      if (events.length === 0) await sleep(50);
    }
    expect(JSON.parse(events[0]!.detail)).toMatchObject({ endpoint_id: endpoint.id, attempts: 3 });
    const patched = await adminCall("PATCH", `/webhooks/${endpoint.id}`, { status: "active" });
    expect(patched.body).toMatchObject({ status: "active" });
  });

  it("a receiver that hangs does not delay the admin call that caused the event, nor another receiver", async () => {
    const hang = receiverName("hang");
    const ok = receiverName("ok");
    const hanging = await endpointFor(hang, ["user.created"]);
    await endpointFor(ok, ["user.created"]);
    const started = Date.now();
    const res = await adminCall("POST", "/users", { email: uniqueEmail("hook") });
    const callMs = Date.now() - started;
    expect(res.status).toBe(201);
    const userId = (res.body as { id: string }).id;
    await expectHeldAndDelivered(hang, ok, "user.created", userId, started);
    console.log(JSON.stringify({ event: "webhook_hang_measure", cause: "admin create user", callMs, hangMs: 10_000 }));
    expect(callMs).toBeLessThan(2000);
    // No retries of this hanging endpoint for the next test to queue behind.
    await adminCall("DELETE", `/webhooks/${hanging.id}`);
  });

  it("a receiver that hangs does not delay the sign-in that caused the event", async () => {
    const hang = receiverName("hang");
    const ok = receiverName("ok");
    const hanging = await endpointFor(hang, ["session.started"]);
    await endpointFor(ok, ["session.started"]);
    const email = uniqueEmail("hook");
    const browser = new TestBrowser();
    const token = await requestLinkToken(browser, email);
    const started = Date.now();
    const res = await redeemLink(browser, token);
    const signInMs = Date.now() - started;
    expect(res.status).toBe(303);
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
    console.log(JSON.stringify({ event: "webhook_hang_measure", cause: "link sign-in", signInMs, hangMs: 10_000 }));
    expect(signInMs).toBeLessThan(2000);
    // The local queue hands out one batch at a time, so the previous test's attempt (held until its 10 s timeout)
    // may delay this fan-out; Cloudflare Queues runs batches concurrently. Wait long enough for either.
    const forUser = (hooks: ReceivedHook[]) => hooks.filter((h) => h.body.includes(user!.id));
    const [held] = forUser(await waitForHooks(hang, 1, 30_000));
    expect(held?.answered).toBeNull();
    const [delivered] = forUser(await waitForHooks(ok, 1, 30_000));
    expect(delivered).toMatchObject({ answered: 204, verified: "ok" });
    expect(JSON.parse(delivered!.body)).toMatchObject({ type: "session.started", data: { user_id: user!.id } });
    await adminCall("DELETE", `/webhooks/${hanging.id}`);
  }, 60_000);
});

/**
 * The hanging receiver got the event for `userId` (and holds it for the 10 s delivery timeout) and the other one got
 * it too, before that timeout ran out: the hang held up no other delivery.
 */
async function expectHeldAndDelivered(hang: string, ok: string, type: string, userId: string, since: number) {
  const forUser = (hooks: ReceivedHook[]) => hooks.filter((h) => h.body.includes(userId));
  const [held] = forUser(await waitForHooks(hang, 1));
  expect(held?.answered).toBeNull();
  let delivered: ReceivedHook | undefined;
  while (!delivered && Date.now() - since < 10_000) {
    [delivered] = forUser(await received(ok));
    if (!delivered) await sleep(50);
  }
  expect(delivered?.answered).toBe(204);
  expect(delivered?.verified).toBe("ok");
  expect(JSON.parse(delivered!.body)).toMatchObject({ type, data: { user_id: userId } });
  expect(Date.now() - since).toBeLessThan(10_000);
}
