/** HTTP transport: POSTs the message as JSON to EMAIL_HTTP_URL with a bearer key (a mail API or a relay). */
import type { Config } from "../config";
import { isLoopbackHost } from "./smtp-transport";
import type { EmailMessage } from "./types";

export interface HttpSendOptions {
  /** Longest the request may take (default 10 s). */
  timeoutMs?: number;
}

/** Sends {from,to,subject,text,html}; any answer but 2xx throws with the status and the start of the body. */
export async function sendViaHttp(config: Config, message: EmailMessage, options: HttpSendOptions = {}): Promise<void> {
  if (!config.emailHttpUrl) throw new TypeError("EMAIL_HTTP_URL is not set");
  const url = new URL(config.emailHttpUrl);
  // The bearer key must not cross a network in clear.
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new TypeError("EMAIL_HTTP_URL must be https (plain http only on loopback)");
  }
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json" };
  if (config.emailHttpKey) headers.Authorization = `Bearer ${config.emailHttpKey}`;
  const body = JSON.stringify({
    from: config.emailFrom,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
  });
  const res = await fetch(url, {
    method: "POST",
    headers,
    body,
    // A redirect would carry the key and the message elsewhere: treat it as a failure.
    redirect: "manual",
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const answer = await res.text().catch(() => "");
  if (res.status < 200 || res.status > 299) {
    throw new Error(`email HTTP API answered ${res.status}: ${answer.slice(0, 200)}`.trim());
  }
}
