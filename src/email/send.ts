/** sendEmail: the one entry point for outgoing mail; picks the transport named by config.emailTransport. */
import type { Config, Env } from "../config";
import { sendViaCloudflare } from "./cloudflare-transport";
import { sendViaHttp } from "./http-transport";
import { sendViaLog } from "./log-transport";
import { sendViaSmtp } from "./smtp-transport";
import type { EmailMessage } from "./types";

export type { EmailMessage } from "./types";

/** Sends one message; rejects (with the transport's error) when the mail was not accepted. */
export async function sendEmail(env: Env, config: Config, message: EmailMessage): Promise<void> {
  const transport = config.emailTransport;
  switch (transport) {
    case "log":
      return sendViaLog(config, message);
    case "smtp":
      return sendViaSmtp(config, message);
    case "http":
      return sendViaHttp(config, message);
    case "cloudflare":
      return sendViaCloudflare(env, config, message);
    default: {
      const never: never = transport;
      throw new TypeError(`unknown email transport: ${String(never)}`);
    }
  }
}
