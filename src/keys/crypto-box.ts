/** AES-256-GCM sealing of secrets at rest under a key derived (HKDF-SHA-256) from KEY_ENCRYPTION_SECRET. */
import { base64url, fromBase64url } from "../lib/crypto";

const encoder = new TextEncoder();
/** RFC 5869 §3.1: a fixed, application-specific salt; the `info` below binds the derived key to its one use. */
const HKDF_SALT = encoder.encode("latchkey/key-encryption/v1");
/**
 * What a sealed value is for: each purpose has its own HKDF `info`, so its key is independent of the others'. The
 * signing-key info is the one used before purposes existed, so the rows sealed then still open.
 */
const HKDF_INFO = {
  "signing-key": encoder.encode("latchkey signing-key private JWK"),
  "webhook-secret": encoder.encode("latchkey webhook signing secret"),
  "client-secret": encoder.encode("latchkey client_secret_jwt HMAC secret"),
  "connection-secret": encoder.encode("latchkey upstream connection client secret"),
} as const;
export type BoxPurpose = keyof typeof HKDF_INFO;
/** NIST SP 800-38D §8.2.2: 96-bit random IVs. */
const IV_BYTES = 12;

const derived = new Map<string, Promise<CryptoKey>>();

/** Derives (once per isolate, secret and purpose) the non-extractable AES-GCM key. */
function boxKey(secret: string, purpose: BoxPurpose): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = derived.get(cacheKey);
  if (!key) {
    key = (async () => {
      const ikm = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: HKDF_INFO[purpose] },
        ikm,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    derived.set(cacheKey, key);
  }
  return key;
}

/**
 * Encrypts `plaintext`; returns base64url(iv || ciphertext+tag). `aad` (e.g. the kid) is authenticated
 * but not stored, so a sealed value cannot be moved to another row.
 */
export async function encryptString(
  secret: string,
  plaintext: string,
  aad: string,
  purpose: BoxPurpose = "signing-key",
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(aad) },
      await boxKey(secret, purpose),
      encoder.encode(plaintext),
    ),
  );
  const out = new Uint8Array(IV_BYTES + ct.byteLength);
  out.set(iv, 0);
  out.set(ct, IV_BYTES);
  return base64url(out);
}

/**
 * Reverses `encryptString`; throws (a plain Error: this is our own data, not caller input) when the secret, aad or
 * bytes do not match.
 */
export async function decryptString(
  secret: string,
  sealed: string,
  aad: string,
  purpose: BoxPurpose = "signing-key",
): Promise<string> {
  const bytes = fromBase64url(sealed);
  // 12-byte IV + at least the 16-byte GCM tag.
  if (bytes.byteLength < IV_BYTES + 16) throw new Error("sealed value is too short");
  let pt: ArrayBuffer;
  try {
    pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: encoder.encode(aad) },
      await boxKey(secret, purpose),
      bytes.subarray(IV_BYTES),
    );
  } catch {
    throw new Error("sealed value does not decrypt under KEY_ENCRYPTION_SECRET (wrong secret or tampered row)");
  }
  return new TextDecoder().decode(pt);
}
