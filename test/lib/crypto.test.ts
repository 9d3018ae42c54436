import { describe, expect, it } from "vitest";
import { base64url, fromBase64url, hmacSha256 } from "../../src/lib/crypto";

/** RFC 4648 §5 by the long way: btoa, then the URL-safe alphabet, no padding. */
function reference(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

describe("base64url", () => {
  it("matches RFC 4648 §10's test vectors (base64url alphabet, no padding)", () => {
    const enc = (s: string) => base64url(new TextEncoder().encode(s));
    expect(["", "f", "fo", "foo", "foob", "fooba", "foobar"].map(enc)).toEqual([
      "",
      "Zg",
      "Zm8",
      "Zm9v",
      "Zm9vYg",
      "Zm9vYmE",
      "Zm9vYmFy",
    ]);
    expect(base64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe("-_-_");
  });

  it("agrees with the btoa encoding and round-trips for every length up to 70 and every byte value", () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      expect(base64url(bytes)).toBe(reference(bytes));
      expect(fromBase64url(base64url(bytes))).toEqual(bytes);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64url(all)).toBe(reference(all));
    expect(base64url(all.buffer)).toBe(reference(all));
  });
});

describe("hmacSha256", () => {
  it("gives RFC 4231 test case 2's MAC, the same again from the cached key, and a different one per key", async () => {
    // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
    const expected = base64url(
      Uint8Array.from("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843".match(/../g)!, (h) =>
        parseInt(h, 16),
      ),
    );
    expect(await hmacSha256("Jefe", "what do ya want for nothing?")).toBe(expected);
    expect(await hmacSha256("Jefe", "what do ya want for nothing?")).toBe(expected);
    expect(await hmacSha256("Jeff", "what do ya want for nothing?")).not.toBe(expected);
  });
});
