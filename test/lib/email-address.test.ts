/** Email addresses: one spelling per address (NFC, lower case, A-label domain), and only what the transports can send. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseEmailAddress } from "../../src/lib/email-address";
import { isMailAddress } from "../../src/lib/mail-address";
import { redeemLink } from "../helpers/accounts";
import { TestBrowser } from "../helpers/browser";
import { extractLink, listMail, waitForMail } from "../helpers/mailbox";

function ok(raw: string): string {
  const r = parseEmailAddress(raw);
  if (!r.ok) throw new Error(`refused ${JSON.stringify(raw)}: ${r.message}`);
  return r.email;
}

describe("parseEmailAddress", () => {
  it("NFC and NFD spellings of one IDN address are one address, in A-label form", () => {
    const nfc = "Jane@B\u00fccher.Example";
    const nfd = "jane@bu\u0308cher.example";
    expect(nfc).not.toBe(nfd);
    expect(ok(nfc)).toBe("jane@xn--bcher-kva.example");
    expect(ok(nfd)).toBe("jane@xn--bcher-kva.example");
  });

  it("control characters (CR/LF header injection, NUL, DEL, C1, U+2028) are refused, not passed to a transport", () => {
    for (const raw of [
      "a@b.example\r\nBcc: x@y.example",
      "a\u0000b@c.example",
      "a\u007f@b.example",
      "a@b\u0085.example",
      "a\u2028b@c.example",
      "a\tb@c.example",
    ]) {
      expect(parseEmailAddress(raw).ok, JSON.stringify(raw)).toBe(false);
    }
  });

  it("a non-ASCII local part is refused with a clear message (no SMTPUTF8 in any transport)", () => {
    const r = parseEmailAddress("jos\u00e9@example.com");
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.message).toMatch(/before the @/);
    expect(parseEmailAddress("\u0440\u043e\u043c\u0430@example.com").ok).toBe(false);
  });

  it("URL-parser tricks in an IDN domain do not change the address: delimiters, percent escapes and numeric hosts are refused", () => {
    for (const raw of [
      "a@b\u00fc.example/x",
      "a@b\u00fc%41.example",
      "a@b\u00fc.example#x",
      "a@\u00fc.1",
      "a@1.2.3.4",
      "a@b\u00fc.example:25",
      "a@[::1]",
    ]) {
      expect(parseEmailAddress(raw).ok, JSON.stringify(raw)).toBe(false);
    }
  });

  it("every accepted address is one the MIME builder and SMTP envelope accept (the transports never fail on it)", () => {
    for (const raw of [
      "a@b.example",
      " Mixed.Case+tag@Sub.Example.COM ",
      "x@b\u00fccher.example",
      "o'brien@example.ie",
      "a@\u0440\u0444.example",
    ]) {
      expect(isMailAddress(ok(raw)), raw).toBe(true);
    }
    for (const raw of [
      "plain",
      "@b.example",
      "a@",
      "a@b",
      "a@b.c",
      "a..b@c.example",
      ".a@b.example",
      "a b@c.example",
      "a@b_c.example",
      `${"a".repeat(65)}@b.example`,
      `a@${"b".repeat(250)}.example`,
    ]) {
      expect(parseEmailAddress(raw).ok, raw).toBe(false);
    }
  });
});

describe("POST /auth/email with hostile or unusual addresses", () => {
  it("NFC and NFD spellings of one address sign in to one verified account, not two", async () => {
    const local = `nfd-${Date.now().toString(36)}`;
    const stored = `${local}@xn--bcher-kva.example`;
    const signIn = async (typed: string, nth: number) => {
      const browser = new TestBrowser();
      expect((await browser.postJson("/auth/email", { email: typed })).status).toBe(202);
      // The mail goes to the one stored spelling (the test SMTP server lists envelope recipients in U-label form).
      const mail = await waitForMail(`${local}@b\u00fccher.example`, { count: nth });
      expect(mail.headers.to).toBe(stored);
      expect(
        (
          await redeemLink(
            browser,
            new URL(extractLink(mail.text, "http://localhost:8787/auth/link")).searchParams.get("token")!,
          )
        ).status,
      ).toBe(303);
    };
    await signIn(`${local}@B\u00fccher.example`, 1);
    await signIn(`${local}@bu\u0308cher.example`, 2);
    const rows = await env.DB.prepare("SELECT email FROM users WHERE email LIKE ?")
      .bind(`${local}@%`)
      .all<{ email: string }>();
    expect(rows.results.map((r) => r.email)).toEqual([`${local}@xn--bcher-kva.example`]);
  });

  it("a control character or non-ASCII local part gets a clear 400 invalid_request instead of a silent mail failure", async () => {
    const browser = new TestBrowser();
    for (const email of ["evil@example.test\r\nBcc: victim@example.test", "jos\u00e9@example.test"]) {
      const res = await browser.postJson("/auth/email", { email });
      expect(res.status, JSON.stringify(email)).toBe(400);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe("invalid_request");
      expect(body.message.length).toBeGreaterThan(10);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await listMail("victim@example.test")).toHaveLength(0);
  });
});
