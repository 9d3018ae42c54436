/**
 * The mail that tells an account's owner a way to sign in changed: a passkey added or removed, a provider linked or
 * unlinked (and where to act if it was not them).
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { escapeHtml, htmlMail, senderName } from "../email/html-mail";
import { type EmailMessage, sendEmail } from "../email/send";
import { describeDevice, formatTime } from "../ui/format";

interface SignInChange {
  to: string;
  change: "added" | "removed";
  /** A passkey (named by its owner) or an upstream provider (its display name) linked or unlinked. */
  method: "passkey" | "provider";
  name: string;
  userAgent: string;
  at: number;
}

function signInChangeEmail(input: SignInChange, rpName: string, accountUrl: string): EmailMessage {
  const rp = senderName(rpName);
  // A passkey's name is the person's own input, a provider's an administrator's: one line of it, never markup.
  const clean = input.name
    .replace(/[\p{Cc}\p{Cf}\s]+/gu, " ")
    .trim()
    .slice(0, 64);
  const added = input.change === "added";
  let subject: string;
  let what: string;
  if (input.method === "passkey") {
    const name = clean || "A passkey";
    subject = added ? `A passkey was added to your ${rp} account` : `A passkey was removed from your ${rp} account`;
    what = `The passkey "${name}" was ${added ? "added to" : "removed from"} your ${rp} account`;
  } else {
    const name = clean || "A sign-in provider";
    subject = added ? `${name} was linked to your ${rp} account` : `${name} was unlinked from your ${rp} account`;
    what = `Signing in with ${name} was ${added ? "linked to" : "unlinked from"} your ${rp} account`;
  }
  const when = `${what} on ${formatTime(input.at)} from ${describeDevice(input.userAgent)}.`;
  const advice =
    `If this was you, there is nothing to do. If it was not, open ${accountUrl}, sign in with an ` +
    `emailed link, remove any passkey or provider you do not recognise and choose "Sign out ` +
    `everywhere".`;
  const text = [when, "", advice, "", `— ${rp}`, ""].join("\n");
  const html = htmlMail([`<p>${escapeHtml(when)}</p>`, `<p>${escapeHtml(advice)}</p>`], rp);
  return { to: input.to, subject, text, html };
}

/**
 * Mails the notice after the response, naming the device of the request that made the change (a mail failure is
 * logged; it does not undo the change).
 */
export function notifySignInChange(c: Context<AppEnv>, change: Omit<SignInChange, "userAgent">): void {
  const config = c.get("config");
  const input = { ...change, userAgent: c.req.header("user-agent") ?? "" };
  const message = signInChangeEmail(input, config.rpName, `${config.origin}/account`);
  c.executionCtx.waitUntil(
    sendEmail(c.env, config, message).catch((err) =>
      console.warn(
        JSON.stringify({
          event: "sign_in_change_mail_failed",
          change: input.change,
          method: input.method,
          error: String(err),
        }),
      ),
    ),
  );
}
