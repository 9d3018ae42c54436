/** The SMTP transport against a real SMTP server on loopback (test/global-setup.ts), read back through the mailbox. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Config, type Env, parseConfig } from "../../src/config";
import { sendEmail } from "../../src/email/send";
import { SmtpError } from "../../src/email/smtp-client";
import { sendViaSmtp } from "../../src/email/smtp-transport";
import type { EmailMessage } from "../../src/email/types";
import { magicLinkEmail } from "../../src/magic-link/mail-template";
import { extractLink, listMail, waitForMail } from "../helpers/mailbox";

const testEnv = env as unknown as Env & { SMTP_SILENT_URL: string };
const config: Config = parseConfig(testEnv);

/** A fresh recipient per test, so tests sharing the mailbox never read each other's mail. */
function recipient(tag: string): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

function message(to: string, overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    to,
    subject: "Hello from Latchkey",
    text: "Plain body\nsecond line\n",
    html: "<p>HTML <b>body</b></p>\n",
    ...overrides,
  };
}

describe("SMTP transport (real server on loopback)", () => {
  it("is what the test environment selects", () => {
    expect(config.emailTransport).toBe("smtp");
    expect(config.smtpUrl).toMatch(/^smtp:\/\/[^:]+:[^@]+@127\.0\.0\.1:\d+$/);
  });

  it("delivers a multipart text+HTML message, authenticated, with the standard headers", async () => {
    const to = recipient("smtp-basic");
    const before = Date.now();
    await sendEmail(testEnv, config, message(to));
    const mail = await waitForMail(to);

    expect(mail.authUser).toBe(decodeURIComponent(new URL(config.smtpUrl!).username));
    expect(mail.from).toBe("no-reply@localhost");
    expect(mail.to).toEqual([to]);
    expect(mail.subject).toBe("Hello from Latchkey");
    expect(mail.text.trimEnd()).toBe("Plain body\nsecond line");
    expect(mail.html.trim()).toBe("<p>HTML <b>body</b></p>");
    expect(mail.headers.from).toBe("Latchkey <no-reply@localhost>");
    expect(mail.headers.to).toBe(to);
    expect(mail.headers["mime-version"]).toBe("1.0");
    expect(mail.headers["message-id"]).toMatch(/^<[0-9a-f]{32}@localhost>$/);
    expect(mail.headers["auto-submitted"]).toBe("auto-generated");
    expect(mail.headers["content-type"]).toMatch(/^multipart\/alternative; boundary="=_latchkey_[0-9a-f]+"$/);
    const date = Date.parse(mail.headers.date!);
    expect(date).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(date).toBeLessThanOrEqual(Date.now() + 1000);
    // On the wire: CRLF only, 7-bit only.
    expect(mail.raw).not.toMatch(/[^\r]\n/);
    expect(mail.raw).not.toMatch(/[^\x00-\x7f]/);
  });

  it("a wrong password is refused and the error names SMTP code 535 (but not the password)", async () => {
    const url = new URL(config.smtpUrl!);
    url.password = "wrong-password-xyz";
    const to = recipient("smtp-badpass");
    const err = await sendEmail(testEnv, { ...config, smtpUrl: url.href }, message(to)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as SmtpError).replyCode).toBe(535);
    expect((err as SmtpError).message).toMatch(/AUTH PLAIN failed: 535 /);
    expect((err as SmtpError).message).not.toContain("wrong-password-xyz");
    expect(await listMail(to)).toEqual([]);
  });

  it("a non-ASCII subject round-trips through RFC 2047 encoded-words", async () => {
    const to = recipient("smtp-utf8");
    const subject =
      "Ваш вход в Latchkey — ✓ 日本語のテスト, émoji 🚀 and a subject long enough to need several encoded words";
    await sendEmail(testEnv, config, message(to, { subject, text: "Grüße, 世界 🚀\n", html: "<p>Grüße, 世界 🚀</p>" }));
    const mail = await waitForMail(to);
    expect(mail.subject).toBe(subject);
    expect(mail.text.trimEnd()).toBe("Grüße, 世界 🚀");
    expect(mail.html).toContain("Grüße, 世界 🚀");
    const rawSubject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(mail.raw)![1]!;
    expect(rawSubject).toMatch(/^=\?UTF-8\?B\?/);
    for (const line of rawSubject.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
  });

  it("dot-stuffing: body lines that start with '.' (or are only '.') survive and do not end the message early", async () => {
    const to = recipient("smtp-dots");
    const text = "before\n.\n..two dots\n.leading dot\nafter the dots\n";
    const html = "<p>html</p>\n.\n<p>end</p>\n";
    await sendEmail(testEnv, config, message(to, { text, html }));
    const mail = await waitForMail(to);
    expect(mail.text).toBe(text);
    expect(mail.html).toContain(".\n<p>end</p>");
  });

  it("a magic-link mail arrives with a link the helper can extract intact, even when quoted-printable wraps it", async () => {
    const to = recipient("smtp-link");
    const url = `http://localhost:8787/magic-link?token=${"A".repeat(43)}&return_to=${encodeURIComponent("/authorize?client_id=demo&state=xyz")}`;
    await sendEmail(
      testEnv,
      config,
      magicLinkEmail({ to, url, rpName: "Latchkey", expiresInMinutes: 15, isNewAccount: false }),
    );
    const mail = await waitForMail(to);
    expect(extractLink(mail.text, "/magic-link")).toBe(url);
    expect(mail.html).toContain(`href="${url.replace(/&/g, "&amp;")}"`);
  });

  it("a server that never answers cannot hang the request: the send times out", async () => {
    const started = Date.now();
    const err = await sendViaSmtp({ ...config, smtpUrl: testEnv.SMTP_SILENT_URL }, message(recipient("smtp-silent")), {
      stepTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as SmtpError).code).toBe("ERR_SMTP_TIMEOUT");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a refused connection is an SmtpError, not a hang", async () => {
    // Port 1 (tcpmux) is closed on any test machine.
    const err = await sendViaSmtp({ ...config, smtpUrl: "smtp://127.0.0.1:1" }, message(recipient("smtp-refused")), {
      stepTimeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect(["ERR_SMTP_CONNECTION", "ERR_SMTP_TIMEOUT"]).toContain((err as SmtpError).code);
  });
});
