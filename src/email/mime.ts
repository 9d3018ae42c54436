/** Builds an RFC 5322 message: multipart/alternative (text, then HTML), quoted-printable bodies, CRLF line ends. */
import { isMailAddress } from "../lib/mail-address";
import type { EmailMessage } from "./types";

export interface Mailbox {
  name?: string;
  address: string;
}

export interface MimeOptions {
  /** The From header: `addr` or `Name <addr>`. */
  from: string;
  now: Date;
  /** Fixed values for reproducible output in tests; random when absent. */
  messageId?: string;
  boundary?: string;
}

const encoder = new TextEncoder();

// RFC 5322 §3.2.3 atext plus space: a display name made of these needs no quoting.
const PLAIN_PHRASE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// RFC 2047 §2: an encoded-word is at most 75 characters; 39 bytes → 52 base64 chars + 12 of framing = 64.
const WORD_BYTES = 39;

/** Parses `addr`, `Name <addr>` or `"Name" <addr>`; throws TypeError on anything else (a caller or config bug). */
export function parseMailbox(value: string): Mailbox {
  // RFC 5322 §2.2: a header value must not carry a line break (header injection).
  if (/[\r\n\0]/.test(value)) throw new TypeError("mailbox contains a line break");
  const s = value.trim();
  const m = /^(.*?)\s*<([^<>]*)>$/.exec(s);
  const address = (m ? m[2]! : s).trim();
  if (!isMailAddress(address)) throw new TypeError(`not a mail address: ${JSON.stringify(address)}`);
  const rawName = m ? m[1]!.trim() : "";
  const name =
    rawName.startsWith('"') && rawName.endsWith('"') && rawName.length >= 2
      ? rawName.slice(1, -1).replace(/\\(.)/g, "$1")
      : rawName;
  return name ? { name, address } : { address };
}

/** RFC 5322 §3.4 mailbox; a non-ASCII display name becomes RFC 2047 encoded-words (§5 rule 3). */
export function formatMailbox(mailbox: Mailbox): string {
  const { name, address } = mailbox;
  if (!name) return address;
  if (PLAIN_PHRASE.test(name) && !name.includes("=?")) return `${name} <${address}>`;
  if (PRINTABLE_ASCII.test(name) && !name.includes("=?")) return `"${name.replace(/[\\"]/g, "\\$&")}" <${address}>`;
  return `${encodedWords(name).join(" ")} <${address}>`;
}

/** RFC 2047 §4.1 "B" encoded-words, each holding whole characters (§5) and at most 75 characters long (§2). */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk: number[] = [];
  for (const ch of text) {
    const bytes = encoder.encode(ch);
    if (chunk.length + bytes.length > WORD_BYTES) {
      words.push(encodedWord(chunk));
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length > 0 || words.length === 0) words.push(encodedWord(chunk));
  return words;
}

function encodedWord(bytes: number[]): string {
  return `=?UTF-8?B?${btoa(String.fromCharCode(...bytes))}?=`;
}

/** The Subject field: plain (folded at spaces) when printable ASCII, else encoded-words, one per folded line. */
export function subjectHeader(subject: string): string {
  if (/[\r\n\0]/.test(subject)) throw new TypeError("subject contains a line break");
  // "=?" in plain text would be read as an encoded-word by clients, so such a subject is encoded too.
  if (PRINTABLE_ASCII.test(subject) && !subject.includes("=?")) return foldHeader("Subject", subject);
  // RFC 2047 §6.2: white space between adjacent encoded-words is ignored when decoding.
  return `Subject: ${encodedWords(subject).join("\r\n ")}`;
}

/** RFC 5322 §2.2.3 folding at spaces so lines stay near 78 characters; never yields a whitespace-only line. */
function foldHeader(name: string, value: string): string {
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of value.split(" ")) {
    if (word.length > 0 && line.length + 1 + word.length > 78 && line.trim().length > name.length + 1) {
      lines.push(line);
      line = "";
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join("\r\n");
}

/** RFC 2045 §6.7 quoted-printable of UTF-8 text; line breaks become CRLF (hard breaks), long lines get soft breaks. */
export function quotedPrintable(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, "\n")
    .split("\n")
    .map(quotedPrintableLine)
    .join("\r\n");
}

function quotedPrintableLine(line: string): string {
  const bytes = encoder.encode(line);
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const atEnd = i === bytes.length - 1;
    // Rule 2: printable ASCII except "=" stands for itself; rule 3: space and tab too, except at the end of a line.
    const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !atEnd);
    const token = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
    // Rule 5: encoded lines are at most 76 characters, the soft break "=" included; an escape is never split.
    if (current.length + token.length > 75) {
      out.push(`${current}=`);
      current = "";
    }
    current += token;
  }
  out.push(current);
  return out.join("\r\n");
}

/** RFC 5322 §3.3 date-time in UTC, e.g. "Sat, 01 Nov 2025 09:05:00 +0000". */
export function formatDate(now: Date): string {
  return now.toUTCString().replace(/GMT$/, "+0000");
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The whole message, headers and body, with CRLF line ends and only 7-bit characters, ready for
 * SMTP DATA (after dot-stuffing) or a send_email binding.
 */
export function buildMimeMessage(message: EmailMessage, options: MimeOptions): string {
  const from = parseMailbox(options.from);
  const to = parseMailbox(message.to);
  const domain = from.address.slice(from.address.lastIndexOf("@") + 1);
  // RFC 2046 §5.1.1: the boundary must not occur in a part; "=_" can never appear in quoted-printable output.
  const boundary = options.boundary ?? `=_latchkey_${randomHex(12)}`;
  // RFC 5322 §3.6.4: a globally unique id, right side the sender's domain.
  const messageId = options.messageId ?? `<${randomHex(16)}@${domain}>`;
  const part = (type: string, body: string) => [
    `--${boundary}`,
    `Content-Type: ${type}; charset=utf-8`,
    "Content-Transfer-Encoding: quoted-printable",
    "",
    quotedPrintable(body),
  ];
  return [
    `From: ${formatMailbox(from)}`,
    `To: ${formatMailbox(to)}`,
    subjectHeader(message.subject),
    `Date: ${formatDate(options.now)}`,
    `Message-ID: ${messageId}`,
    "MIME-Version: 1.0",
    // RFC 3834 §5: mark as machine-sent so auto-responders stay quiet.
    "Auto-Submitted: auto-generated",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    // RFC 2046 §5.1.4: alternatives in increasing order of preference, so HTML comes last.
    ...part("text/plain", message.text),
    ...part("text/html", message.html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}
