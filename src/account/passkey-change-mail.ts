/** The mail that tells an account's owner a passkey was added or removed (and where to act if it was not them). */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { escapeHtml, htmlMail, senderName } from "../email/html-mail";
import { type EmailMessage, sendEmail } from "../email/send";
import { describeDevice, formatTime } from "../ui/format";

interface PasskeyChange {
  to: string;
  change: "added" | "removed";
  passkeyName: string;
  userAgent: string;
  at: number;
}

function passkeyChangeEmail(input: PasskeyChange, rpName: string, accountUrl: string): EmailMessage {
  const rp = senderName(rpName);
  // The passkey's name is the person's own input: one line of it, never markup.
  const name =
    input.passkeyName
      .replace(/[\p{Cc}\p{Cf}\s]+/gu, " ")
      .trim()
      .slice(0, 64) || "A passkey";
  const subject =
    input.change === "added"
      ? `A passkey was added to your ${rp} account`
      : `A passkey was removed from your ${rp} account`;
  const what =
    input.change === "added"
      ? `The passkey "${name}" was added to your ${rp} account`
      : `The passkey "${name}" was removed from your ${rp} account`;
  const when = `${what} on ${formatTime(input.at)} from ${describeDevice(input.userAgent)}.`;
  const advice =
    `If this was you, there is nothing to do. If it was not, open ${accountUrl}, sign in with an ` +
    `emailed link, remove any passkey you do not recognise and choose "Sign out ` +
    `everywhere".`;
  const text = [when, "", advice, "", `— ${rp}`, ""].join("\n");
  const html = htmlMail([`<p>${escapeHtml(when)}</p>`, `<p>${escapeHtml(advice)}</p>`], rp);
  return { to: input.to, subject, text, html };
}

/**
 * Mails the notice after the response, naming the device of the request that made the change (a mail failure is
 * logged; it does not undo the change).
 */
export function notifyPasskeyChange(c: Context<AppEnv>, change: Omit<PasskeyChange, "userAgent">): void {
  const config = c.get("config");
  const input = { ...change, userAgent: c.req.header("user-agent") ?? "" };
  const message = passkeyChangeEmail(input, config.rpName, `${config.origin}/account`);
  c.executionCtx.waitUntil(
    sendEmail(c.env, config, message).catch((err) =>
      console.warn(JSON.stringify({ event: "passkey_change_mail_failed", change: input.change, error: String(err) })),
    ),
  );
}
