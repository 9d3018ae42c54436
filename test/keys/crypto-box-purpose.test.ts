/**
 * crypto-box purposes: the webhook secret's key is derived apart from the signing key's, and values sealed before
 * purposes existed (HKDF info "latchkey signing-key private JWK") still open as signing keys.
 */
import { describe, expect, it } from "vitest";
import { decryptString, encryptString } from "../../src/keys/crypto-box";
import { base64url } from "../../src/lib/crypto";

const SECRET = "a-key-encryption-secret-of-at-least-32-chars";
const encoder = new TextEncoder();

/** The derivation as it was before purposes (the commit that added them), written out independently. */
async function sealAsBefore(plaintext: string, aad: string): Promise<string> {
  const ikm = await crypto.subtle.importKey("raw", encoder.encode(SECRET), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: encoder.encode("latchkey/key-encryption/v1"),
      info: encoder.encode("latchkey signing-key private JWK"),
    },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt"],
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(aad) },
    key,
    encoder.encode(plaintext),
  );
  return base64url(new Uint8Array([...iv, ...new Uint8Array(ct)]));
}

describe("crypto-box purposes", () => {
  it("opens a value sealed before purposes existed as a signing key, and only as one", async () => {
    const sealed = await sealAsBefore('{"kty":"EC"}', "kid-old");
    expect(await decryptString(SECRET, sealed, "kid-old")).toBe('{"kty":"EC"}');
    expect(await decryptString(SECRET, sealed, "kid-old", "signing-key")).toBe('{"kty":"EC"}');
    await expect(decryptString(SECRET, sealed, "kid-old", "webhook-secret")).rejects.toThrow(/does not decrypt/);
  });

  it("seals webhook secrets under their own key", async () => {
    const sealed = await encryptString(SECRET, "whsec_x", "ep_1", "webhook-secret");
    expect(await decryptString(SECRET, sealed, "ep_1", "webhook-secret")).toBe("whsec_x");
    await expect(decryptString(SECRET, sealed, "ep_1")).rejects.toThrow(/does not decrypt/);
  });
});
