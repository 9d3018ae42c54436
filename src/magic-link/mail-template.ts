/** The magic-link email: plain text and HTML saying what the link does, that it works once, and when it expires. */
import { escapeHtml, htmlMail, senderName } from "../email/html-mail";
import type { EmailMessage } from "../email/types";

export interface MagicLinkEmailInput {
  to: string;
  url: string;
  rpName: string;
  expiresInMinutes: number;
  /** No account exists for this address yet: the link creates one. */
  isNewAccount: boolean;
}

function minutes(n: number): string {
  return n === 1 ? "1 minute" : `${n} minutes`;
}

export function magicLinkEmail(input: MagicLinkEmailInput): EmailMessage {
  const rp = senderName(input.rpName);
  const expiry = minutes(Math.max(1, Math.round(input.expiresInMinutes)));
  const copy = input.isNewAccount
    ? {
        subject: `Finish creating your ${rp} account`,
        intro:
          `Someone, hopefully you, asked to create a ${rp} account with this email address. Open this ` +
          `link to confirm the address and ` +
          `finish:`,
        action: `Create my ${rp} account`,
        ignore:
          "If you did not ask for this, you can ignore this email: no account is created unless the link is used.",
      }
    : {
        subject: `Your ${rp} sign-in link`,
        intro: `Someone, hopefully you, asked to sign in to ${rp} with this email address. Open this link to sign in:`,
        action: `Sign in to ${rp}`,
        ignore: "If you did not ask for this, you can ignore this email: nobody can sign in without the link.",
      };
  const validity = `The link works once and expires in ${expiry}.`;

  const text = [copy.intro, "", input.url, "", validity, copy.ignore, "", `— ${rp}`, ""].join("\n");

  const url = escapeHtml(input.url);
  const html = htmlMail(
    [
      `<p>${escapeHtml(copy.intro)}</p>`,
      `<p><a href="${url}" style="display:inline-block;padding:.6rem ` +
        `1.2rem;background:#1a56db;color:#fff;text-decoration:none;border-radius:.4rem">` +
        `${escapeHtml(copy.action)}</a></p>`,
      `<p style="font-size:.9rem;color:#555">Or copy this address into your browser:<br><span ` +
        `style="word-break:break-all">${url}</span></p>`,
      `<p>${escapeHtml(validity)}</p>`,
      `<p style="font-size:.9rem;color:#555">${escapeHtml(copy.ignore)}</p>`,
    ],
    rp,
  );

  return { to: input.to, subject: copy.subject, text, html };
}
