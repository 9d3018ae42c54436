/** The address syntax every transport can submit: ASCII dot-atom local part and host name (RFC 5321 §4.1.2). */
// Dot-atom local part and host name, ASCII only: without SMTPUTF8 (RFC 6531) nothing else can be submitted.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** True for an address the mail builder can put in a header and an SMTP envelope (no CR/LF, no brackets, ASCII). */
export function isMailAddress(address: string): boolean {
  const at = address.lastIndexOf("@");
  if (at < 1 || address.length > 254) return false; // RFC 5321 §4.5.3.1.3
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  return local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(domain); // RFC 5321 §4.5.3.1.1
}
