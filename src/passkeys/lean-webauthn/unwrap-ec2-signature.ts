/**
 * ECDSA assertion signature, DER → the raw r‖s form WebCrypto verifies (WebCrypto §23.4: each component left-padded to
 * the curve's size). The shipped Worker uses this in place of @simplewebauthn/server's `unwrapEC2Signature`, which
 * parses with @peculiar/asn1-schema and asn1js (about 80 KB that every cold start would compile otherwise:
 * scripts/lean-webauthn.mjs). Sign-in has already refused anything but strict DER (src/passkeys/ecdsa-signature.ts),
 * and this refuses it again, so the two can never disagree about what a signature says.
 */
import { ecdsaComponentBytes, isDerEcdsaSignature } from "../ecdsa-signature";

/**
 * Same contract as the library's: `crv` is the COSE curve (RFC 9053 §7.1); throws on anything not a valid signature.
 */
export function unwrapEC2Signature(signature: Uint8Array, crv: number): Uint8Array {
  const size = ecdsaComponentBytes(crv);
  if (size === null) throw new Error(`Unexpected COSE crv value of ${crv} (EC2)`);
  // WebAuthn L3 §6.5.5: an ASN.1 DER Ecdsa-Sig-Value (RFC 3279 §2.2.3).
  if (!isDerEcdsaSignature(signature, size)) throw new Error("The ECDSA signature is not a DER Ecdsa-Sig-Value");
  const raw = new Uint8Array(2 * size);
  // Validated DER: SEQUENCE { INTEGER r, INTEGER s }, lengths in short form or (P-521) 0x81 nn.
  let at = signature[1]! & 0x80 ? 2 + (signature[1]! & 0x7f) : 2;
  for (const offset of [0, size]) {
    const length = signature[at + 1]!;
    let value = signature.subarray(at + 2, at + 2 + length);
    if (value.length > size) value = value.subarray(value.length - size); // the 0x00 that keeps a high bit positive
    raw.set(value, offset + size - value.length);
    at += 2 + length;
  }
  return raw;
}
