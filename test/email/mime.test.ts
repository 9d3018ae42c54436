/** The MIME builder: quoted-printable, RFC 2047 words, header injection, and the shape of the whole message. */
import { describe, expect, it } from "vitest";
import {
  buildMimeMessage,
  encodedWords,
  formatDate,
  formatMailbox,
  parseMailbox,
  quotedPrintable,
  subjectHeader,
} from "../../src/email/mime";
import { isMailAddress } from "../../src/lib/mail-address";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function decodeWord(word: string): string {
  const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/.exec(word);
  if (!m) throw new Error(`not an encoded-word: ${word}`);
  return utf8.decode(Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0)));
}

describe("quotedPrintable (RFC 2045 §6.7)", () => {
  it("leaves plain ASCII alone and escapes '=' and non-ASCII bytes", () => {
    expect(quotedPrintable("a=b")).toBe("a=3Db");
    expect(quotedPrintable("é")).toBe("=C3=A9");
    expect(quotedPrintable("tab\there")).toBe("tab\there");
  });

  it("escapes whitespace at the end of a line, where transports would strip it", () => {
    expect(quotedPrintable("trailing \nnext\t")).toBe("trailing=20\r\nnext=09");
  });

  it("turns every line break into CRLF", () => {
    expect(quotedPrintable("a\nb\r\nc\rd")).toBe("a\r\nb\r\nc\r\nd");
  });

  it("keeps every line at 76 characters or fewer with soft breaks, never splitting an escape", () => {
    const input = `${"x".repeat(200)} ${"é".repeat(60)}`;
    const out = quotedPrintable(input);
    for (const line of out.split("\r\n")) {
      expect(line.length).toBeLessThanOrEqual(76);
      expect(line).not.toMatch(/=[0-9A-F]?$(?<!=)/);
      expect(line).not.toMatch(/=[0-9A-F]$/);
    }
    // Decoding: drop soft breaks, then unescape.
    const bytes = out
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    expect(utf8.decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)))).toBe(input);
  });
});

describe("RFC 2047 encoded-words", () => {
  it("splits long text into words of at most 75 characters, each holding whole UTF-8 characters", () => {
    const text = "Добро пожаловать 🚀🚀🚀 日本語のテキストがここにあります, and some ASCII to finish it off";
    const words = encodedWords(text);
    expect(words.length).toBeGreaterThan(2);
    for (const w of words) expect(w.length).toBeLessThanOrEqual(75);
    // fatal: true throws if a word ends in the middle of a character.
    expect(words.map(decodeWord).join("")).toBe(text);
  });

  it("a printable ASCII subject stays readable and is folded at spaces", () => {
    expect(subjectHeader("Your Latchkey sign-in link")).toBe("Subject: Your Latchkey sign-in link");
    const long = subjectHeader(Array.from({ length: 30 }, (_, i) => `word${i}`).join(" "));
    for (const line of long.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    expect(long.replace(/\r\n/g, "")).toBe(`Subject: ${Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ")}`);
  });

  it("an ASCII subject that looks like an encoded-word is encoded, so clients cannot be tricked into decoding it", () => {
    const header = subjectHeader("=?UTF-8?B?SGk=?=");
    expect(decodeWord(header.replace(/^Subject: /, ""))).toBe("=?UTF-8?B?SGk=?=");
  });
});

describe("addresses and header injection", () => {
  it("parses bare, named and quoted mailboxes", () => {
    expect(parseMailbox("a@example.com")).toEqual({ address: "a@example.com" });
    expect(parseMailbox("Latchkey <no-reply@localhost>")).toEqual({ name: "Latchkey", address: "no-reply@localhost" });
    expect(parseMailbox('"Acme, Inc." <x@acme.test>')).toEqual({ name: "Acme, Inc.", address: "x@acme.test" });
  });

  it("header injection: a line break in a recipient or a subject is refused", () => {
    expect(() => parseMailbox("a@example.com\r\nBcc: victim@example.net")).toThrow(TypeError);
    expect(() => parseMailbox("a@example.com\nBcc: victim@example.net")).toThrow(TypeError);
    expect(() => subjectHeader("hi\r\nBcc: victim@example.net")).toThrow(TypeError);
  });

  it("envelope smuggling: brackets, spaces and non-ASCII are not mail addresses here", () => {
    for (const bad of [
      "a@b@",
      "a b@example.com",
      "a@example.com> NOTIFY=NEVER",
      "<a@example.com>",
      "ü@example.com",
      "@example.com",
      "a@",
      "a..b@example.com",
      "a@-x.com",
    ]) {
      expect(isMailAddress(bad), bad).toBe(false);
    }
    expect(isMailAddress("first.last+tag@sub.example.co.uk")).toBe(true);
  });

  it("quotes display names with specials and encodes non-ASCII ones", () => {
    expect(formatMailbox({ name: "Acme, Inc.", address: "x@acme.test" })).toBe('"Acme, Inc." <x@acme.test>');
    expect(formatMailbox({ name: 'Say "hi"', address: "x@acme.test" })).toBe('"Say \\"hi\\"" <x@acme.test>');
    const named = formatMailbox({ name: "Zoë", address: "x@acme.test" });
    expect(named).toMatch(/^=\?UTF-8\?B\?\S+\?= <x@acme\.test>$/);
    expect(decodeWord(named.split(" ")[0]!)).toBe("Zoë");
  });
});

describe("buildMimeMessage", () => {
  const now = new Date(Date.UTC(2025, 10, 1, 9, 5, 7));
  const raw = buildMimeMessage(
    { to: "ada@example.org", subject: "Grüße", text: "line one\n.\nline three", html: "<p>é</p>" },
    {
      from: "Latchkey <no-reply@id.example.com>",
      now,
      boundary: "=_latchkey_test",
      messageId: "<fixed@id.example.com>",
    },
  );
  const [head, body] = [raw.slice(0, raw.indexOf("\r\n\r\n")), raw.slice(raw.indexOf("\r\n\r\n") + 4)];

  it("has the headers a mail system expects, in RFC 5322 form", () => {
    expect(head.split("\r\n")).toEqual([
      "From: Latchkey <no-reply@id.example.com>",
      "To: ada@example.org",
      `Subject: =?UTF-8?B?${btoa(String.fromCharCode(...new TextEncoder().encode("Grüße")))}?=`,
      "Date: Sat, 01 Nov 2025 09:05:07 +0000",
      "Message-ID: <fixed@id.example.com>",
      "MIME-Version: 1.0",
      "Auto-Submitted: auto-generated",
      'Content-Type: multipart/alternative; boundary="=_latchkey_test"',
    ]);
  });

  it("puts text first and HTML last (RFC 2046 §5.1.4), both quoted-printable UTF-8, and closes the multipart", () => {
    expect(body).toBe(
      [
        "--=_latchkey_test",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "line one",
        ".",
        "line three",
        "--=_latchkey_test",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "<p>=C3=A9</p>",
        "--=_latchkey_test--",
        "",
      ].join("\r\n"),
    );
  });

  it("is 7-bit with CRLF line ends only and lines under the 998 limit", () => {
    expect(raw).not.toMatch(/[^\x00-\x7f]/);
    expect(raw).not.toMatch(/[^\r]\n|\r[^\n]/);
    for (const line of raw.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
  });

  it("random boundaries and Message-IDs differ per message", () => {
    const a = buildMimeMessage({ to: "a@b.test", subject: "s", text: "t", html: "h" }, { from: "x@y.test", now });
    const b = buildMimeMessage({ to: "a@b.test", subject: "s", text: "t", html: "h" }, { from: "x@y.test", now });
    const id = (r: string) => /^Message-ID: (.*)$/m.exec(r)![1];
    expect(id(a)).toMatch(/^<[0-9a-f]{32}@y\.test>$/);
    expect(id(a)).not.toBe(id(b));
  });

  it("formats dates per RFC 5322 §3.3", () => {
    expect(formatDate(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("Fri, 02 Jan 2026 03:04:05 +0000");
  });
});
