/**
 * The modules the shipped Worker uses in place of @simplewebauthn/server's (scripts/lean-webauthn.mjs): tested here
 * against real WebCrypto keys, since the vitest pool itself runs the whole library.
 */
import { isoCBOR, isoUint8Array } from "@simplewebauthn/server/helpers";
import { describe, expect, it } from "vitest";
import { SettingsService } from "../../src/passkeys/lean-webauthn/settings-service";
import { unwrapEC2Signature } from "../../src/passkeys/lean-webauthn/unwrap-ec2-signature";
import { verifyAttestationPacked } from "../../src/passkeys/lean-webauthn/verify-attestation-packed";

const bytes = (...parts: (number | number[] | Uint8Array)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "number" ? [p] : [...p])));
const derLength = (n: number) => (n < 0x80 ? [n] : [0x81, n]);

/** DER SEQUENCE { INTEGER r, INTEGER s } of a raw r‖s signature (RFC 3279 §2.2.3, X.690 §8.3.2). */
function der(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const int = (v: Uint8Array) => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const body = v.subarray(i);
    const content = body[0]! & 0x80 ? bytes(0, body) : body;
    return bytes(0x02, derLength(content.length), content);
  };
  const content = bytes(int(raw.subarray(0, half)), int(raw.subarray(half)));
  return bytes(0x30, derLength(content.length), content);
}

const CURVES = [
  { name: "P-256", hash: "SHA-256", crv: 1 },
  { name: "P-384", hash: "SHA-384", crv: 2 },
  { name: "P-521", hash: "SHA-512", crv: 3 },
] as const;

describe("unwrapEC2Signature: strict DER to WebCrypto's r‖s (WebAuthn L3 §6.5.5)", () => {
  for (const curve of CURVES) {
    it(`gives back exactly what WebCrypto signed on ${curve.name}, short components included`, async () => {
      const { privateKey, publicKey } = (await crypto.subtle.generateKey(
        { name: "ECDSA", namedCurve: curve.name },
        false,
        ["sign", "verify"],
      )) as CryptoKeyPair;
      for (let i = 0; i < 40; i++) {
        const data = bytes(i, curve.crv);
        const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: curve.hash }, privateKey, data));
        const unwrapped = unwrapEC2Signature(der(raw), curve.crv);
        expect(unwrapped).toEqual(raw);
        expect(await crypto.subtle.verify({ name: "ECDSA", hash: curve.hash }, publicKey, unwrapped, data)).toBe(true);
      }
    });
  }

  it("refuses BER spellings the library's parser took, and unknown curves", () => {
    const raw = new Uint8Array(64).fill(0x11);
    const good = der(raw);
    expect(() => unwrapEC2Signature(good, 1)).not.toThrow();
    // Long-form outer length where the short form fits (X.690 §10.1).
    expect(() => unwrapEC2Signature(bytes(0x30, 0x81, good[1]!, good.subarray(2)), 1)).toThrow(/DER/);
    // Outer length shorter than its content; a padded INTEGER; trailing bytes.
    expect(() => unwrapEC2Signature(bytes(0x30, good[1]! - 1, good.subarray(2)), 1)).toThrow(/DER/);
    expect(() => unwrapEC2Signature(bytes(0x30, good[1]! + 1, 0x02, 33, 0, good.subarray(4)), 1)).toThrow(/DER/);
    expect(() => unwrapEC2Signature(bytes(good, 0), 1)).toThrow(/DER/);
    expect(() => unwrapEC2Signature(good, 8)).toThrow(/crv/);
  });
});

/** A P-256 credential and a packed self-attestation statement over authData ‖ clientDataHash (WebAuthn L3 §8.2). */
async function selfAttested(options: { alg?: number; x5c?: boolean } = {}) {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
  ])) as CryptoKeyPair;
  const point = new Uint8Array((await crypto.subtle.exportKey("raw", keys.publicKey)) as ArrayBuffer);
  const credentialPublicKey = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, point.slice(1, 33)],
      [-3, point.slice(33)],
    ]),
  );
  const authData = crypto.getRandomValues(new Uint8Array(37 + 16));
  const clientDataHash = crypto.getRandomValues(new Uint8Array(32));
  const raw = new Uint8Array(
    await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      keys.privateKey,
      isoUint8Array.concat([authData, clientDataHash]),
    ),
  );
  const attStmt = new Map<string, unknown>([
    ["alg", options.alg ?? -7],
    ["sig", der(raw)],
  ]);
  if (options.x5c) attStmt.set("x5c", [new Uint8Array(300)]);
  return { attStmt, authData, clientDataHash, credentialPublicKey };
}

describe("packed attestation in the shipped build: self attestation only (WebAuthn L3 §8.2)", () => {
  it("accepts a valid self-attestation signature by the credential's own key", async () => {
    expect(await verifyAttestationPacked(await selfAttested())).toBe(true);
  });

  it("a self-attestation signature over other data does not verify", async () => {
    const a = await selfAttested();
    a.clientDataHash[0]! ^= 1;
    expect(await verifyAttestationPacked(a)).toBe(false);
  });

  it("an alg that is not the credential key's is refused (the library's own verifier skips this check)", async () => {
    await expect(verifyAttestationPacked(await selfAttested({ alg: -257 }))).rejects.toThrow(/does not match/);
  });

  it("full attestation (a certificate chain) is refused: no attestation was asked for", async () => {
    await expect(verifyAttestationPacked(await selfAttested({ x5c: true }))).rejects.toThrow(/not accepted/);
  });

  it("a statement without sig or with a non-COSE alg is refused", async () => {
    const a = await selfAttested();
    a.attStmt.delete("sig");
    await expect(verifyAttestationPacked(a)).rejects.toThrow(/signature/);
    await expect(verifyAttestationPacked(await selfAttested({ alg: 12345 }))).rejects.toThrow(/alg/);
  });
});

describe("settings in the shipped build", () => {
  it("holds no root certificates unless given PEM strings", () => {
    expect(SettingsService.getRootCertificates({ identifier: "apple" })).toEqual([]);
    SettingsService.setRootCertificates({
      identifier: "test-format",
      certificates: ["-----BEGIN CERTIFICATE-----", new Uint8Array(3)],
    });
    expect(SettingsService.getRootCertificates({ identifier: "test-format" })).toEqual(["-----BEGIN CERTIFICATE-----"]);
    expect(typeof SettingsService.runtimeSupportsPQC()).toBe("boolean");
  });
});
