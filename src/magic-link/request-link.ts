/**
 * "Email me a sign-in link": store the token's record and mail it. Same answer whether or not the address has an
 * account.
 */
import { type AuditSink, recordEvents } from "../audit/record";
import type { Config } from "../config";
import { findUserByEmail } from "../db/users";
import { sendEmail } from "../email/send";
import type { LinkRequester } from "./link-binding";
import { MAGIC_LINK_TTL_S, storeMagicLink } from "./magic-link-store";

export interface LinkToMail {
  email: string;
  returnTo: string;
  /** The clear token, made by the caller so the address's object could record its hash first. */
  token: string;
  /** The browser that asked; null for an administrator's invitation (opening it anywhere is cross-device). */
  requestedBy: LinkRequester | null;
}

/**
 * Does the whole request: look-up, record, mail. Callers run it in waitUntil so the response (and its
 * timing) does not depend on whether the address is known.
 */
export async function requestMagicLink(
  sink: AuditSink,
  config: Config,
  link: LinkToMail,
  now: number,
  /** Who asked: the person (null, the default) or an administrator's invitation. */
  actor: string | null = null,
): Promise<void> {
  const { env } = sink;
  const user = await findUserByEmail(env.DB, link.email);
  // Recorded before the mail is sent, so a transport failure does not lose it (the address itself is not recorded).
  const detail = { mailed: true, new_account: !user };
  // Anyone may ask for a link to any address: unless an administrator invited, the asker is not the account holder.
  recordEvents(sink, { type: "link.requested", userId: user?.id ?? null, actor: actor ?? "anonymous", detail }, now);
  const { token } = await storeMagicLink(
    env,
    { email: link.email, userId: user?.id ?? null, returnTo: link.returnTo, requestedBy: link.requestedBy },
    now,
    link.token,
  );
  const url = `${config.origin}/auth/link?token=${encodeURIComponent(token)}`;
  // The template is loaded on first use, like the transports (src/email/send.ts): mail goes out after the response.
  const { magicLinkEmail } = await import("./mail-template");
  await sendEmail(
    env,
    config,
    magicLinkEmail({
      to: link.email,
      url,
      rpName: config.rpName,
      expiresInMinutes: MAGIC_LINK_TTL_S / 60,
      isNewAccount: !user,
    }),
  );
}
