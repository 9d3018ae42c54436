/**
 * The mail to an account's old address when an administrator changes it: the owner learns of it even though sign-in
 * links now go elsewhere (an account takeover through a support desk shows up here). The new address is masked.
 */
import type { Config, Env } from "../config";
import { escapeHtml, htmlMail, senderName } from "../email/html-mail";
import { type EmailMessage, sendEmail } from "../email/send";
import { formatTime } from "../ui/format";

/** `a***@example.com`: enough to recognise one's own new address, not enough to learn someone else's. */
function maskAddress(address: string): string {
  const at = address.lastIndexOf("@");
  return at <= 0 ? "***" : `${address[0]}***${address.slice(at)}`;
}

function addressChangeEmail(oldAddress: string, newAddress: string, at: number, rpName: string): EmailMessage {
  const rp = senderName(rpName);
  const what =
    `The email address of your ${rp} account was changed to ${maskAddress(newAddress)} by an administrator ` +
    `on ${formatTime(at)}. You have been signed out everywhere, and sign-in links now go to the new address.`;
  const advice = `If you did not ask for this, contact ${rp} at once: this address can no longer sign in.`;
  const text = [what, "", advice, "", `— ${rp}`, ""].join("\n");
  const html = htmlMail([`<p>${escapeHtml(what)}</p>`, `<p>${escapeHtml(advice)}</p>`], rp);
  return { to: oldAddress, subject: `The email address of your ${rp} account was changed`, text, html };
}

/** Mails the notice after the response; a mail failure is logged and does not undo the change. */
export function notifyAddressChange(
  ctx: { env: Env; waitUntil(promise: Promise<unknown>): void },
  config: Config,
  change: { oldAddress: string; newAddress: string; at: number },
): void {
  const message = addressChangeEmail(change.oldAddress, change.newAddress, change.at, config.rpName);
  ctx.waitUntil(
    sendEmail(ctx.env, config, message).catch((err) =>
      console.warn(JSON.stringify({ event: "address_change_mail_failed", error: String(err) })),
    ),
  );
}
