/** Log transport for local development: prints the message (and so the sign-in link) to the console. */
import type { Config } from "../config";
import type { EmailMessage } from "./types";

/** Refuses to run unless the issuer is a localhost dev issuer (config also refuses EMAIL_TRANSPORT=log elsewhere). */
export function sendViaLog(config: Config, message: EmailMessage): void {
  if (!config.insecureDev) throw new TypeError("the log email transport is for localhost development only");
  console.log(
    [
      `[latchkey] email (EMAIL_TRANSPORT=log, not sent)`,
      `From: ${config.emailFrom}`,
      `To: ${message.to}`,
      `Subject: ${message.subject}`,
      "",
      message.text,
    ].join("\n"),
  );
}
