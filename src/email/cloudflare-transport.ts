/** Cloudflare Email Routing transport: a raw MIME message through the send_email binding (SEND_EMAIL). */
import { EmailMessage as CloudflareEmailMessage } from "cloudflare:email";
import type { Config, Env } from "../config";
import { buildMimeMessage, parseMailbox } from "./mime";
import type { EmailMessage } from "./types";

/** Builds the message and hands it to env.SEND_EMAIL; the binding's own errors propagate. */
export async function sendViaCloudflare(
  env: Env,
  config: Config,
  message: EmailMessage,
  now: Date = new Date(),
): Promise<void> {
  if (!env.SEND_EMAIL) throw new TypeError("the SEND_EMAIL binding is missing");
  const from = parseMailbox(config.emailFrom).address;
  const to = parseMailbox(message.to).address;
  const raw = buildMimeMessage(message, { from: config.emailFrom, now });
  // The envelope addresses are bare; the headers inside `raw` carry the display name.
  await env.SEND_EMAIL.send(new CloudflareEmailMessage(from, to, raw));
}
