/** The http transport against a real local endpoint (the mailbox's POST /send from test/global-setup.ts). */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Config, type Env, parseConfig } from "../../src/config";
import { sendEmail } from "../../src/email/send";
import { listMail, waitForMail } from "../helpers/mailbox";

const testEnv = env as unknown as Env & { MAILBOX_URL: string };
/** Same literal as HTTP_KEY in test/global-setup.ts. */
const KEY = "http-key-0123456789";
const config: Config = {
  ...parseConfig(testEnv),
  emailTransport: "http",
  emailHttpUrl: `${testEnv.MAILBOX_URL}/send`,
  emailHttpKey: KEY,
};

function recipient(tag: string): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

describe("http transport", () => {
  it("POSTs {from,to,subject,text,html} as JSON with the bearer key", async () => {
    const to = recipient("http-ok");
    await sendEmail(testEnv, config, { to, subject: "Grüße über HTTP", text: "text body", html: "<p>html body</p>" });
    const mail = await waitForMail(to);
    expect(mail.via).toBe("http");
    expect(mail.from).toBe("Latchkey <no-reply@localhost>");
    expect(mail.subject).toBe("Grüße über HTTP");
    expect(mail.text).toBe("text body");
    expect(mail.html).toBe("<p>html body</p>");
    expect(mail.headers["content-type"]).toBe("application/json");
  });

  it("a rejected key is an error naming the status, and nothing is stored", async () => {
    const to = recipient("http-badkey");
    await expect(
      sendEmail(testEnv, { ...config, emailHttpKey: "wrong" }, { to, subject: "s", text: "t", html: "h" }),
    ).rejects.toThrow(/answered 401/);
    expect(await listMail(to)).toEqual([]);
  });

  it("a missing endpoint (404) is an error too", async () => {
    await expect(
      sendEmail(
        testEnv,
        { ...config, emailHttpUrl: `${testEnv.MAILBOX_URL}/nowhere` },
        { to: recipient("http-404"), subject: "s", text: "t", html: "h" },
      ),
    ).rejects.toThrow(/answered 404/);
  });

  it("key in clear: plain http to a non-loopback host is refused before any request", async () => {
    await expect(
      sendEmail(
        testEnv,
        { ...config, emailHttpUrl: "http://mail.example.com/send" },
        { to: recipient("http-clear"), subject: "s", text: "t", html: "h" },
      ),
    ).rejects.toThrow(TypeError);
  });
});
