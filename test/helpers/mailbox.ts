/** Reads mail the test SMTP server received (see test/global-setup.ts), from inside workerd tests. */
import { env } from "cloudflare:test";

export interface ReceivedMail {
  via: "smtp" | "http";
  from: string;
  to: string[];
  /** SMTP AUTH user of the session that delivered it (null: none, or the http transport). */
  authUser: string | null;
  subject: string;
  text: string;
  html: string;
  /** Header name (lower case) → unfolded raw value. */
  headers: Record<string, string>;
  raw: string;
}

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Wait for the n-th message to this address (default 1: the first). */
  count?: number;
}

function mailboxUrl(): string {
  const url = (env as unknown as { MAILBOX_URL?: string }).MAILBOX_URL;
  if (!url) throw new Error("MAILBOX_URL binding is missing: is test/global-setup.ts in vitest.config.ts?");
  return url;
}

/** Every message received so far for `to` (all of them without `to`), oldest first. */
export async function listMail(to?: string): Promise<ReceivedMail[]> {
  const url = new URL("/messages", mailboxUrl());
  if (to) url.searchParams.set("to", to);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`mailbox answered ${res.status}`);
  return (await res.json()) as ReceivedMail[];
}

/** Polls the mailbox until the `count`-th message for `to` has arrived, and returns that one. */
export async function waitForMail(to: string, opts: WaitOptions = {}): Promise<ReceivedMail> {
  const count = opts.count ?? 1;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const mail = await listMail(to);
    if (mail.length >= count) return mail[count - 1]!;
    if (Date.now() >= deadline)
      throw new Error(`no mail #${count} for ${to} within ${opts.timeoutMs ?? 10_000} ms (have ${mail.length})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The first http(s) URL in `text` whose path starts with `pathPrefix` (or that starts with it, for an absolute prefix). */
export function extractLink(text: string, pathPrefix: string): string {
  const urls = text.match(/https?:\/\/[^\s<>"']+/g) ?? [];
  for (const candidate of urls) {
    if (
      /^https?:/.test(pathPrefix)
        ? candidate.startsWith(pathPrefix)
        : new URL(candidate).pathname.startsWith(pathPrefix)
    )
      return candidate;
  }
  throw new Error(`no link under ${pathPrefix} in the mail; links found: ${urls.join(", ") || "none"}`);
}
