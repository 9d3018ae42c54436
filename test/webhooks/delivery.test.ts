/**
 * Webhook delivery through the real WEBHOOKS queue to loopback receivers (test/global-setup.ts), which verify each
 * request with the standardwebhooks package. This project's retry schedule is "1,1" (vitest.config.ts).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signUp, uniqueEmail } from "../helpers/accounts";
import { adminCall } from "../helpers/admin-api";

interface Received {
  headers: Record<string, string>;
  body: string;
  answered: number | null;
  verified: string;
}

function receiverName(kind: string): string {
  return `${kind}-${crypto.randomUUID().slice(0, 8)}`;
}

async function received(name: string): Promise<Received[]> {
  return (await fetch(`${env.MAILBOX_URL}/hooks/${name}`)).json() as Promise<Received[]>;
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** An endpoint at the named receiver, its secret registered with the receiver for verification. */
async function endpointAt(name: string, events: string[] = ["user.created"]): Promise<{ id: string }> {
  const res = await adminCall("POST", "/webhooks", { url: `${env.MAILBOX_URL}/hooks/${name}`, events });
  expect(res.status).toBe(201);
  const created = res.body as { id: string; secret: string };
  await fetch(`${env.MAILBOX_URL}/hooks/${name}`, { method: "PUT", body: created.secret });
  return created;
}

type Attempt = {
  attempt: number;
  outcome: string;
  status_code: number | null;
  error: string | null;
  message_id: string;
};

async function attempts(id: string): Promise<Attempt[]> {
  return ((await adminCall("GET", `/webhooks/${id}/deliveries`)).body as { data: Attempt[] }).data;
}

describe("webhook delivery", () => {
  it("fans an event out to subscribed endpoints, signed as the standardwebhooks package verifies", async () => {
    const name = receiverName("ok");
    const other = receiverName("ok");
    await endpointAt(name, ["user.created", "user.deleted"]);
    await endpointAt(other, ["user.deleted"]);
    const email = uniqueEmail("hooked");
    expect((await adminCall("POST", "/users", { email })).status).toBe(201);
    const [hook] = await waitFor(
      "the delivery",
      () => received(name),
      (r) => r.length >= 1,
    );
    expect(hook!.verified).toBe("ok");
    expect(hook!.headers["webhook-id"]).toMatch(/^msg_/);
    expect(Number(hook!.headers["webhook-timestamp"])).toBeCloseTo(Date.now() / 1000, -2);
    const body = JSON.parse(hook!.body) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(body.type).toBe("user.created");
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    expect(body.data.user_id).toEqual(expect.any(String));
    // No email address in a webhook payload.
    expect(hook!.body).not.toContain("@");
    // Not subscribed to user.created: nothing.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await received(other)).toEqual([]);
  });

  it("retries a receiver that fails twice: exactly three attempts with one webhook-id, all recorded", async () => {
    const name = receiverName("flaky2");
    const { id } = await endpointAt(name);
    expect((await adminCall("POST", `/webhooks/${id}/test`)).status).toBe(202);
    const got = await waitFor(
      "three attempts",
      () => received(name),
      (r) => r.length >= 3,
    );
    // Time for a (wrong) fourth attempt to arrive.
    await new Promise((r) => setTimeout(r, 3000));
    const all = await received(name);
    expect(all.map((h) => h.answered)).toEqual([500, 500, 204]);
    expect(all.every((h) => h.verified === "ok")).toBe(true);
    expect(new Set(got.map((h) => h.headers["webhook-id"])).size).toBe(1);
    expect(JSON.parse(all[0]!.body).type).toBe("webhook.test");
    const rows = await waitFor(
      "three records",
      () => attempts(id),
      (r) => r.length === 3,
    );
    expect(rows.map((r) => [r.attempt, r.outcome, r.status_code])).toEqual([
      [3, "succeeded", 204],
      [2, "retrying", 500],
      [1, "retrying", 500],
    ]);
    expect((await adminCall("GET", `/webhooks/${id}`)).body).toMatchObject({ status: "active" });
  }, 30_000);

  it("marks an endpoint failing with an audit event when the schedule is exhausted; PATCH active resets it", async () => {
    const name = receiverName("fail");
    const { id } = await endpointAt(name);
    await adminCall("POST", `/webhooks/${id}/test`);
    await waitFor(
      "failing",
      async () => (await adminCall("GET", `/webhooks/${id}`)).body,
      (b) => {
        return (b as { status: string }).status === "failing";
      },
    );
    expect((await attempts(id)).map((r) => r.outcome)).toEqual(["failed", "retrying", "retrying"]);
    expect((await received(name)).length).toBe(3);
    const event = await waitFor(
      "the audit event",
      () =>
        env.DB.prepare("SELECT * FROM audit_events WHERE type = 'webhook.failing' AND detail LIKE ?")
          .bind(`%${id}%`)
          .first<{ outcome: string; actor: string }>(),
      (row) => row !== null,
    );
    expect(event).toMatchObject({ outcome: "failure", actor: "system" });
    const reset = await adminCall("PATCH", `/webhooks/${id}`, { status: "active" });
    expect(reset.body).toMatchObject({ status: "active" });
  }, 30_000);

  it("a receiver that hangs delays neither the request that caused the event nor other receivers", async () => {
    const hang = receiverName("hang");
    const ok = receiverName("ok");
    const hanging = await endpointAt(hang, ["user.created", "session.started"]);
    await endpointAt(ok, ["user.created", "session.started"]);
    const email = uniqueEmail("hang");
    let started = performance.now();
    expect((await adminCall("POST", "/users", { email })).status).toBe(201);
    const createMs = performance.now() - started;
    await waitFor(
      "the hanging receiver to be called",
      () => received(hang),
      (r) => r.length >= 1,
    );
    // The hanging receiver holds its delivery open now; a sign-in meanwhile is as fast as ever.
    started = performance.now();
    await signUp(email);
    const signInMs = performance.now() - started;
    await waitFor(
      "the other receiver",
      () => received(ok),
      (r) => r.length >= 1,
    );
    console.log(JSON.stringify({ createMs: Math.round(createMs), signInMs: Math.round(signInMs) }));
    expect(createMs).toBeLessThan(2000);
    expect(signInMs).toBeLessThan(5000);
    // The attempt ends at the 10 s timeout and is recorded as such.
    const [first] = await waitFor(
      "the timeout record",
      () => attempts(hanging.id),
      (r) => r.length >= 1,
      20_000,
    );
    expect(first).toMatchObject({
      attempt: 1,
      outcome: "retrying",
      status_code: null,
      error: "timeout after 10000 ms",
    });
  }, 40_000);
});
