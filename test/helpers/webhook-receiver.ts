/**
 * Webhook receivers played by the loopback mailbox server of test/global-setup.ts (POST /hooks/<name>), read from
 * inside workerd tests. The name's first word says how a receiver behaves: "ok", "flaky<n>", "fail" or "hang".
 */
import { env } from "cloudflare:test";
import { adminCall } from "./admin-api";

export interface ReceivedHook {
  headers: Record<string, string>;
  body: string;
  /** The status the receiver answered (null: it hung). */
  answered: number | null;
  /** The standardwebhooks package's verdict with the registered secret: "ok" or its error message. */
  verified: string;
}

function mailboxUrl(): string {
  const url = (env as unknown as { MAILBOX_URL?: string }).MAILBOX_URL;
  if (!url) throw new Error("MAILBOX_URL binding is missing: is test/global-setup.ts in vitest.config.ts?");
  return url;
}

/** A receiver name no other test uses. */
export function receiverName(kind: "ok" | "fail" | "hang" | `flaky${number}`): string {
  return `${kind}-${crypto.randomUUID().slice(0, 8)}`;
}

export function receiverUrl(name: string): string {
  return `${mailboxUrl()}/hooks/${name}`;
}

/** Tells the receiver which secret to verify signatures with. */
export async function registerSecret(name: string, secret: string): Promise<void> {
  const res = await fetch(receiverUrl(name), { method: "PUT", body: secret });
  if (!res.ok) throw new Error(`receiver answered ${res.status}`);
}

export async function received(name: string): Promise<ReceivedHook[]> {
  const res = await fetch(receiverUrl(name));
  if (!res.ok) throw new Error(`receiver answered ${res.status}`);
  return (await res.json()) as ReceivedHook[];
}

/** Polls until the receiver has got `count` requests (or `timeoutMs` passed) and returns what it got. */
export async function waitForHooks(name: string, count: number, timeoutMs = 15_000): Promise<ReceivedHook[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hooks = await received(name);
    if (hooks.length >= count || Date.now() > deadline) return hooks;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates an endpoint through the admin API pointing at receiver `name` and registers its secret there. */
export async function endpointFor(
  name: string,
  events: string[],
): Promise<{ id: string; secret: string; status: string }> {
  const res = await adminCall("POST", "/webhooks", { url: receiverUrl(name), events });
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
  const endpoint = res.body as { id: string; secret: string; status: string };
  await registerSecret(name, endpoint.secret);
  return endpoint;
}
