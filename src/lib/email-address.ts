/**
 * Normalizing an email address typed by a person into the one spelling Latchkey stores, compares and mails.
 * Pure. The rule: trim, Unicode NFC (so NFC and NFD spellings are one address), lower case; an
 * internationalized domain becomes its A-label (punycode) form; the result must be something every transport
 * can submit without SMTPUTF8, which the SMTP client does not speak (RFC 6531): an ASCII dot-atom local part.
 */
import { isMailAddress } from "./mail-address";

export type EmailParse = { ok: true; email: string } | { ok: false; message: string };

const NOT_AN_ADDRESS = "That does not look like an email address.";
// C0 and C1 controls, DEL, and the Unicode line/paragraph separators: never part of an address (RFC 5322 §3.2.3).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Characters a WHATWG URL host parse would treat as delimiters or decode (so "a%41" must not become "aa").
const HOST_DELIMITERS = /[\s/?#@:[\]\\%<>^|"'`{}]/;
// A top-level label: letters, or an IDN A-label (rules out numeric "domains" a URL parser reads as IPv4).
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export function parseEmailAddress(raw: string): EmailParse {
  const trimmed = raw.trim();
  if (trimmed.length === 0) return { ok: false, message: "Enter an email address." };
  if (trimmed.length > 320) return { ok: false, message: NOT_AN_ADDRESS };
  if (CONTROL.test(trimmed)) return { ok: false, message: "The email address contains a control character." };
  // Unicode §3.11 / UAX #15: one canonical spelling, so "é" typed precomposed or decomposed is one address.
  const nfc = trimmed.normalize("NFC").toLowerCase();
  const at = nfc.lastIndexOf("@");
  if (at < 1 || at === nfc.length - 1) return { ok: false, message: NOT_AN_ADDRESS };
  const local = nfc.slice(0, at);
  let domain = nfc.slice(at + 1);
  // RFC 6531 (SMTPUTF8) is needed to send to a non-ASCII local part; none of our transports offers it.
  if (/[^\x20-\x7e]/.test(local)) {
    return {
      ok: false,
      message:
        "Addresses with characters other than English letters, digits and . _ + - before the @ cannot receive " +
        "our " +
        "mail.",
    };
  }
  if (/[^\x20-\x7e]/.test(domain)) {
    // RFC 5890 §2.3.2.1 / UTS #46: an IDN domain is sent as its A-label, which needs no SMTPUTF8.
    if (HOST_DELIMITERS.test(domain)) return { ok: false, message: NOT_AN_ADDRESS };
    try {
      domain = new URL(`http://${domain}`).hostname;
    } catch {
      return { ok: false, message: NOT_AN_ADDRESS };
    }
  }
  const email = `${local}@${domain}`;
  const labels = domain.split(".");
  // RFC 5321 §4.1.2 dot-atom local part and domain, §4.5.3.1 lengths (the same test the transports apply).
  if (labels.length < 2 || !TLD.test(labels[labels.length - 1]!) || !isMailAddress(email))
    return { ok: false, message: NOT_AN_ADDRESS };
  return { ok: true, email };
}
