import { describe, expect, it } from "vitest";
import { ecdsaComponentBytes, isDerEcdsaSignature } from "../../src/passkeys/ecdsa-signature";

const bytes = (...parts: (number | number[] | Uint8Array)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "number" ? [p] : [...p])));
const fill = (n: number, b: number) => new Array<number>(n).fill(b);

/** X.690 §8.3.2 minimal two's-complement INTEGER content for an unsigned big-endian value. */
function integerContent(unsigned: Uint8Array): Uint8Array {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const body = unsigned.subarray(i);
  return body[0]! & 0x80 ? bytes(0, body) : body;
}

/** DER length octets: short form below 128, else 0x81 + one byte (enough for every curve here). */
const derLength = (n: number) => (n < 0x80 ? [n] : [0x81, n]);

function der(r: Uint8Array, s: Uint8Array): Uint8Array {
  const ri = integerContent(r);
  const si = integerContent(s);
  const content = bytes(0x02, derLength(ri.length), ri, 0x02, derLength(si.length), si);
  return bytes(0x30, derLength(content.length), content);
}

const CURVES = [
  { name: "P-256", hash: "SHA-256", crv: 1, size: 32 },
  { name: "P-384", hash: "SHA-384", crv: 2, size: 48 },
  { name: "P-521", hash: "SHA-512", crv: 3, size: 66 },
] as const;

describe("ECDSA assertion signatures are DER only (WebAuthn L3 §6.5.5, RFC 3279 §2.2.3)", () => {
  it("knows how wide r and s are for each COSE curve (RFC 9053 §7.1)", () => {
    expect(ecdsaComponentBytes(1)).toBe(32);
    expect(ecdsaComponentBytes(2)).toBe(48);
    expect(ecdsaComponentBytes(3)).toBe(66);
    expect(ecdsaComponentBytes(8)).toBeNull(); // secp256k1: the library refuses the key
    expect(ecdsaComponentBytes(undefined)).toBeNull();
    expect(ecdsaComponentBytes("1")).toBeNull();
  });

  for (const curve of CURVES) {
    it(`takes the DER of real ${curve.name} signatures and nothing near it`, async () => {
      const { privateKey } = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: curve.name }, false, [
        "sign",
        "verify",
      ])) as CryptoKeyPair;
      for (let i = 0; i < 40; i++) {
        const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: curve.hash }, privateKey, bytes(i)));
        const sig = der(raw.subarray(0, curve.size), raw.subarray(curve.size));
        expect(isDerEcdsaSignature(sig, curve.size), `signature ${i}`).toBe(true);
        // The shape of the CI counterexample: the SEQUENCE's length changed, the integers not.
        if (sig[1]! < 0x80)
          expect(isDerEcdsaSignature(bytes(0x30, sig[1]! - 5, sig.subarray(2)), curve.size)).toBe(false);
        expect(isDerEcdsaSignature(bytes(sig, 0), curve.size)).toBe(false); // trailing byte
        expect(isDerEcdsaSignature(sig.subarray(0, sig.length - 1), curve.size)).toBe(false); // truncated
        // A P-521 signature's 66-byte integers do not fit a P-256 key's width.
        if (curve.size === 66) expect(isDerEcdsaSignature(sig, 32)).toBe(false);
      }
    });
  }

  it("takes short integers (leading zero bytes dropped) and a sign byte before a high bit", () => {
    const small = bytes(fill(31, 0), 1);
    expect(isDerEcdsaSignature(der(small, small), 32)).toBe(true);
    expect(isDerEcdsaSignature(der(bytes(fill(32, 0xff)), bytes(0x7f, fill(31, 0xff))), 32)).toBe(true);
    expect(isDerEcdsaSignature(der(bytes(0x80, fill(47, 0)), bytes(0x80, fill(47, 0))), 48)).toBe(true);
    // P-521: 66-byte integers make a SEQUENCE longer than 127 bytes, so its length takes the long form.
    const wide = der(bytes(0x01, fill(65, 0xaa)), bytes(0x01, fill(65, 0xbb)));
    expect(wide[1]).toBe(0x81);
    expect(isDerEcdsaSignature(wide, 66)).toBe(true);
  });

  it("refuses every encoding DER forbids for one (r, s)", () => {
    const r = bytes(0x5a, fill(31, 0x11));
    const s = bytes(0xe2, fill(31, 0x22));
    const ri = bytes(0x02, 32, r);
    const si = bytes(0x02, 33, 0, s);
    const seq = (...content: (number | number[] | Uint8Array)[]) => {
      const c = bytes(...content);
      return bytes(0x30, c.length, c);
    };
    expect(isDerEcdsaSignature(seq(ri, si), 32)).toBe(true);
    const refused: [string, Uint8Array][] = [
      ["empty", bytes()],
      ["SEQUENCE length too short", bytes(0x30, 0x40, ri, si)],
      ["SEQUENCE length too long", bytes(0x30, 0x46, ri, si)],
      ["SEQUENCE length in long form", bytes(0x30, 0x81, 0x45, ri, si)],
      ["SEQUENCE length in two bytes", bytes(0x30, 0x82, 0x00, 0x45, ri, si)],
      ["indefinite length", bytes(0x30, 0x80, ri, si, 0, 0)],
      ["SET instead of SEQUENCE", bytes(0x31, 0x45, ri, si)],
      ["BIT STRING instead of INTEGER", seq(0x03, 32, r, si)],
      ["r padded with a redundant zero", seq(0x02, 33, 0, r, si)],
      ["s without its sign byte (negative)", seq(ri, 0x02, 32, s)],
      ["INTEGER length in long form", seq(0x02, 0x81, 32, r, si)],
      ["empty INTEGER", seq(0x02, 0, si)],
      ["r = 0", seq(0x02, 1, 0, si)],
      ["only r", seq(ri)],
      ["a third INTEGER", seq(ri, si, 0x02, 1, 1)],
      ["bytes after s inside the SEQUENCE", seq(ri, si, 0)],
      ["r wider than the curve", seq(0x02, 33, 0x01, r, si)],
      ["s wider than the curve with a sign byte", seq(ri, 0x02, 34, 0, 0x80, s)],
    ];
    for (const [what, sig] of refused) expect(isDerEcdsaSignature(sig, 32), what).toBe(false);
  });
});
