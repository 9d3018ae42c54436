/** "Email me a sign-in link": issue a token and mail it. Same answer whether or not the address has an account. */
import type { Config, Env } from "../config";
import { findUserByEmail } from "../db/users";
import { sendEmail } from "../email/send";
import { magicLinkEmail } from "./mail-template";
import { MAGIC_LINK_TTL_S, storeMagicLink } from "./magic-link-store";

/**
 * Does the whole request: look-up, token, mail. Callers run it in waitUntil so the response (and its
 * timing) does not depend on whether the address is known.
 */
export async function requestMagicLink(env: Env, config: Config, email: string, returnTo: string, now: number): Promise<void> {
  const user = await findUserByEmail(env.DB, email);
  const { token } = await storeMagicLink(env, { email, userId: user?.id ?? null, returnTo }, now);
  const url = `${config.origin}/auth/link?token=${encodeURIComponent(token)}`;
  await sendEmail(env, config, magicLinkEmail({ to: email, url, rpName: config.rpName, expiresInMinutes: MAGIC_LINK_TTL_S / 60, isNewAccount: !user }));
}
