/**
 * "packed" attestation in the shipped Worker: self attestation only (WebAuthn L3 §8.2). Replaces the library's
 * verifier (scripts/lean-webauthn.mjs), whose full-attestation branch needs X.509 path validation and the FIDO
 * Metadata Service, code a Relying Party that asks for `attestation: "none"` never needs (docs/attestation.md).
 *
 * Self attestation carries no claim about the authenticator's make; it is accepted, and checked, because a
 * conforming authenticator may send it even when no attestation was asked for (WebAuthn L3 §5.4.7 lets the client
 * replace it with "none", but does not require it). A statement with a certificate chain (full attestation) is
 * refused: Latchkey asked for none and keeps no trust anchors to judge one.
 */
import { cose, decodeCredentialPublicKey, isoUint8Array, verifySignature } from "@simplewebauthn/server/helpers";

type Bytes = Uint8Array<ArrayBuffer>;

interface PackedOptions {
  attStmt: { get(key: string): unknown };
  clientDataHash: Bytes;
  authData: Bytes;
  credentialPublicKey: Bytes;
}

export async function verifyAttestationPacked({
  attStmt,
  clientDataHash,
  authData,
  credentialPublicKey,
}: PackedOptions): Promise<boolean> {
  const sig = attStmt.get("sig") as Bytes | undefined;
  const alg = attStmt.get("alg");
  // WebAuthn L3 §8.2 syntax: sig is a byte string, alg a COSE algorithm identifier.
  if (!(sig instanceof Uint8Array))
    throw new Error("No attestation signature provided in attestation statement (Packed)");
  if (typeof alg !== "number" || !cose.isCOSEAlg(alg))
    throw new Error("Attestation statement did not contain a valid alg (Packed)");
  // Full attestation (x5c present): not accepted when no attestation was asked for (docs/attestation.md).
  if (attStmt.get("x5c") !== undefined) throw new Error("Full packed attestation is not accepted (Packed|Full)");
  // WebAuthn L3 §8.2 verification, self attestation: "Validate that alg matches the algorithm of the
  // credentialPublicKey in authenticatorData" ...
  const key = decodeCredentialPublicKey(credentialPublicKey);
  if (key.get(cose.COSEKEYS.alg) !== alg)
    throw new Error("Attestation alg does not match the credential public key (Packed|Self)");
  // ... "Verify that sig is a valid signature over the concatenation of authenticatorData and clientDataHash using
  // the credential public key with alg."
  return verifySignature({
    signature: sig,
    data: isoUint8Array.concat([authData, clientDataHash]),
    credentialPublicKey,
    hashAlgorithm: alg,
  });
}
