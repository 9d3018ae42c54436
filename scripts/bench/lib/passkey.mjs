// Node-side passkeys for the bench: P-256 credentials and WebAuthn assertions signed per request over fresh
// challenges (the logic of test/helpers/soft-authenticator.ts, with node:crypto for speed).
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** RFC 9053 §2.1 / RFC 8152 §13.1.1: EC2 COSE_Key {1:2, 3:-7, -1:1, -2:x, -3:y}, CBOR-encoded. */
function coseEs256(x, y) {
  return Buffer.concat([
    Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]),
    x,
    Buffer.from([0x22, 0x58, 0x20]),
    y,
  ]);
}

/** A user with one ES256 passkey; `seed` is what /__bench/seed stores. */
export function newPasskeyUser(n) {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const id = b64url(randomBytes(16));
  const credentialId = b64url(randomBytes(16));
  return {
    id,
    email: `bench-${n}-${id.slice(0, 8).toLowerCase()}@example.test`,
    credentialId,
    privateKey,
    seed: {
      id,
      email: `bench-${n}-${id.slice(0, 8).toLowerCase()}@example.test`,
      credentialId,
      publicKey: b64url(coseEs256(Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url"))),
    },
  };
}

// WebAuthn L3 §6.1 flags: UP | UV | BE | BS (a synced passkey; the seeded credential says backup eligible and backed up).
const FLAGS = 0x01 | 0x04 | 0x08 | 0x10;

/** navigator.credentials.get() for a usernameless sign-in: signCount 0 (synced passkeys do not count). */
export function assertion(user, challenge, { origin, rpId }) {
  const authData = Buffer.concat([createHash("sha256").update(rpId).digest(), Buffer.from([FLAGS]), Buffer.alloc(4)]);
  const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin, crossOrigin: false }));
  // WebAuthn L3 §6.3.3 step 11: sign authData || SHA-256(clientDataJSON); ES256 signatures are DER (§6.5.5).
  const signature = sign("sha256", Buffer.concat([authData, createHash("sha256").update(clientDataJSON).digest()]), {
    key: user.privateKey,
    dsaEncoding: "der",
  });
  return {
    id: user.credentialId,
    rawId: user.credentialId,
    type: "public-key",
    authenticatorAttachment: "platform",
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64url(clientDataJSON),
      authenticatorData: b64url(authData),
      signature: b64url(signature),
      userHandle: b64url(Buffer.from(user.id)),
    },
  };
}
