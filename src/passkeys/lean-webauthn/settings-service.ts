/**
 * Stand-in for @simplewebauthn/server's SettingsService in the shipped Worker (scripts/lean-webauthn.mjs): the same
 * methods, without the bundled root certificates (Google, Apple, GlobalSign) that only attestation formats use.
 * Latchkey asks for no attestation, and the shipped build accepts only "none" and packed self-attestation, so no
 * certificate chain is ever checked (docs/attestation.md).
 */
type RootCertificates = { identifier: string; certificates: (Uint8Array | string)[] };

class LeanSettingsService {
  readonly #certificates = new Map<string, string[]>();
  #pqc: boolean | undefined;

  setRootCertificates({ identifier, certificates }: RootCertificates): void {
    // PEM strings only: the shipped build has no DER → PEM converter, and nothing of Latchkey's sets any.
    this.#certificates.set(
      identifier,
      certificates.filter((c): c is string => typeof c === "string"),
    );
  }

  getRootCertificates({ identifier }: { identifier: string }): string[] {
    return this.#certificates.get(identifier) ?? [];
  }

  /** Whether WebCrypto here verifies ML-DSA-44 (post-quantum COSE algorithms), asked once, as the library asks it. */
  runtimeSupportsPQC(): boolean {
    this.#pqc ??= supportsVerify("ML-DSA-44");
    return this.#pqc;
  }
}

function supportsVerify(alg: string): boolean {
  const subtle = (globalThis as { SubtleCrypto?: { supports?: (op: string, alg: string) => boolean } }).SubtleCrypto;
  if (typeof subtle?.supports !== "function") return false;
  try {
    return subtle.supports("verify", alg);
  } catch {
    return false;
  }
}

export const SettingsService = new LeanSettingsService();
