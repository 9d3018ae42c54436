/**
 * The encoding rule for ECDSA assertion signatures, pure.
 *
 * WebAuthn L3 §6.5.5: for ES256/ES384/ES512 the signature "MUST be encoded as an ASN.1 DER Ecdsa-Sig-Value, as
 * defined in [RFC 3279] section 2.2.3" — SEQUENCE { r INTEGER, s INTEGER }. The verifying library's BER parser
 * also takes encodings DER forbids (a SEQUENCE length shorter than its content, long-form and indefinite lengths:
 * test/auth/passkeys.test.ts), so one valid signature had many accepted spellings. This module accepts exactly
 * the one DER spelling (X.690 §10.1, §8.3.2).
 */

/** COSE elliptic curves (RFC 9053 §7.1, IANA COSE registry): P-256 = 1, P-384 = 2, P-521 = 3. */
const COMPONENT_BYTES_BY_CRV: Record<number, number> = { 1: 32, 2: 48, 3: 66 };

/**
 * The byte length of r and s (SEC 1 §2.3.7) for an EC2 public key's curve, or null for a curve we do not know
 * (the library then refuses the key itself). Only EC2 keys sign in DER: OKP (EdDSA) and RSA signatures are raw
 * bytes (WebAuthn L3 §6.5.5).
 */
export function ecdsaComponentBytes(crv: unknown): number | null {
  return typeof crv === "number" ? (COMPONENT_BYTES_BY_CRV[crv] ?? null) : null;
}

/** True when `sig` is the DER encoding of an Ecdsa-Sig-Value whose r and s fit in `componentBytes` bytes. */
export function isDerEcdsaSignature(sig: Uint8Array, componentBytes: number): boolean {
  const outer = readTlv(sig, 0, 0x30);
  if (!outer || outer.end !== sig.length) return false; // nothing may follow the SEQUENCE
  const r = readTlv(sig, outer.start, 0x02);
  if (!r || !isPositiveMinimalInteger(sig, r.start, r.end, componentBytes)) return false;
  const s = readTlv(sig, r.end, 0x02);
  if (!s || !isPositiveMinimalInteger(sig, s.start, s.end, componentBytes)) return false;
  return s.end === outer.end; // exactly two INTEGERs fill the SEQUENCE
}

/** One tag-length-value at `at` with the given tag; DER definite lengths in their shortest form (X.690 §10.1). */
function readTlv(b: Uint8Array, at: number, tag: number): { start: number; end: number } | null {
  if (at + 2 > b.length || b[at] !== tag) return null;
  const first = b[at + 1]!;
  let length: number;
  let start: number;
  if (first < 0x80) {
    length = first;
    start = at + 2;
  } else if (first === 0x81) {
    // Long form with one length byte: only for lengths the short form cannot carry (P-521 signatures).
    if (at + 3 > b.length) return null;
    length = b[at + 2]!;
    if (length < 0x80) return null;
    start = at + 3;
  } else {
    // 0x80 is the indefinite form (BER only); two or more length bytes cannot be needed for any curve here.
    return null;
  }
  const end = start + length;
  return end <= b.length ? { start, end } : null;
}

/**
 * A positive INTEGER in the fewest bytes (X.690 §8.3.2): no leading 0x00 unless the next byte's high bit is set
 * (which would otherwise read as negative), never negative, never zero (SEC 1 §4.1.4: 0 < r, s < n), and no
 * more bytes than the curve's order has (whether the value is below n is left to the signature check).
 */
function isPositiveMinimalInteger(b: Uint8Array, start: number, end: number, componentBytes: number): boolean {
  const length = end - start;
  if (length === 0) return false;
  const lead = b[start]!;
  if (lead & 0x80) return false; // negative
  if (lead === 0x00) {
    if (length === 1) return false; // zero
    if (!(b[start + 1]! & 0x80)) return false; // redundant leading zero
    return length - 1 <= componentBytes;
  }
  return length <= componentBytes;
}
