/**
 * sendEmail: the one entry point for outgoing mail; picks the transport named by config.emailTransport. Each
 * transport is loaded on first use: mail always goes out after the response (waitUntil), so the SMTP client and
 * MIME builder need not be evaluated at startup (docs/performance.md).
 */
import type { Config, Env } from "../config";
import type { EmailMessage } from "./types";

export type { EmailMessage } from "./types";

/** Sends one message; rejects (with the transport's error) when the mail was not accepted. */
export async function sendEmail(env: Env, config: Config, message: EmailMessage): Promise<void> {
  const transport = config.emailTransport;
  switch (transport) {
    case "log":
      return (await import("./log-transport")).sendViaLog(config, message);
    case "smtp":
      return (await import("./smtp-transport")).sendViaSmtp(config, message);
    case "http":
      return (await import("./http-transport")).sendViaHttp(config, message);
    case "cloudflare":
      return (await import("./cloudflare-transport")).sendViaCloudflare(env, config, message);
    default: {
      const never: never = transport;
      throw new TypeError(`unknown email transport: ${String(never)}`);
    }
  }
}
