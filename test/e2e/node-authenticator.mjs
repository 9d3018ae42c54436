/**
 * A WebAuthn authenticator in Node, for tests that must send what Chromium's virtual authenticator never does
 * (Chromium strips attestation for a "none" conveyance): "packed" self attestation, a full-attestation statement,
 * "fido-u2f". P-256 keys through WebCrypto; authenticator data and CBOR built by hand (WebAuthn L3 §6.1, RFC 8949).
 */
import { createHash, webcrypto } from "node:crypto";

const { subtle } = webcrypto;
const b64url = (b) => Buffer.from(b).toString("base64url");
const sha256 = (b) => new Uint8Array(createHash("sha256").update(b).digest());
const cat = (...parts) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

/** RFC 8949 §3: the subset of CBOR an attestation object uses (unsigned and negative ints, bytes, text, arrays, maps). */
function cbor(v) {
  const head = (major, n) => {
    if (n < 24) return [(major << 5) | n];
    if (n < 0x100) return [(major << 5) | 24, n];
    if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  };
  if (typeof v === "number") return new Uint8Array(v >= 0 ? head(0, v) : head(1, -1 - v));
  if (v instanceof Uint8Array) return cat(head(2, v.length), v);
  if (typeof v === "string") return cat(head(3, Buffer.byteLength(v)), Buffer.from(v));
  if (Array.isArray(v)) return cat(head(4, v.length), ...v.map(cbor));
  if (v instanceof Map) return cat(head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)]));
  throw new TypeError(`cannot encode ${typeof v}`);
}

/** Raw r‖s (WebCrypto) to DER SEQUENCE { INTEGER r, INTEGER s } (RFC 3279 §2.2.3). */
function der(raw) {
  const int = (v) => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const body = v.subarray(i);
    const content = body[0] & 0x80 ? cat([0], body) : body;
    return cat([0x02, content.length], content);
  };
  const content = cat(int(raw.subarray(0, 32)), int(raw.subarray(32)));
  return cat([0x30, content.length], content);
}

const FLAGS = { UP: 0x01, UV: 0x04, AT: 0x40 };

export class NodeAuthenticator {
  #keys;
  #counter = 0;
  credentialId = webcrypto.getRandomValues(new Uint8Array(16));
  userHandle = null;

  constructor({ origin, rpId }) {
    this.origin = origin;
    this.rpId = rpId;
  }

  async #sign(data) {
    return der(new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.#keys.privateKey, data)));
  }

  /**
   * A registration response (RegistrationResponseJSON) for `options`, with the attestation statement `fmt`:
   * "none", "packed-self", "packed-self-forged", "packed-full" (a certificate chain) or "fido-u2f".
   */
  async register(options, fmt) {
    this.#keys = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    this.userHandle = options.user.id;
    const point = new Uint8Array(await subtle.exportKey("raw", this.#keys.publicKey));
    const coseKey = cbor(
      new Map([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, point.slice(1, 33)],
        [-3, point.slice(33)],
      ]),
    );
    const id = this.credentialId;
    const authData = cat(
      sha256(this.rpId),
      [FLAGS.UP | FLAGS.UV | FLAGS.AT],
      [0, 0, 0, 0],
      new Uint8Array(16),
      [0, id.length],
      id,
      coseKey,
    );
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: "webauthn.create",
        challenge: options.challenge,
        origin: this.origin,
        crossOrigin: false,
      }),
    );
    const signed = cat(authData, sha256(clientDataJSON));
    const fakeCertificate = cat([0x30, 0x82, 0x01, 0x00], new Uint8Array(256));
    const attStmt = {
      none: new Map(),
      "packed-self": new Map([
        ["alg", -7],
        ["sig", await this.#sign(signed)],
      ]),
      // Signed over the wrong bytes: a self-attestation statement that does not verify.
      "packed-self-forged": new Map([
        ["alg", -7],
        ["sig", await this.#sign(cat(signed, [0]))],
      ]),
      "packed-full": new Map([
        ["alg", -7],
        ["sig", await this.#sign(signed)],
        ["x5c", [fakeCertificate]],
      ]),
      "fido-u2f": new Map([
        ["sig", await this.#sign(signed)],
        ["x5c", [fakeCertificate]],
      ]),
    }[fmt];
    if (!attStmt) throw new TypeError(`unknown fmt ${fmt}`);
    const attestationObject = cbor(
      new Map([
        ["fmt", fmt.startsWith("packed") ? "packed" : fmt],
        ["attStmt", attStmt],
        ["authData", authData],
      ]),
    );
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** An assertion (AuthenticationResponseJSON) for `options` with this authenticator's one credential. */
  async assert(options) {
    this.#counter++;
    const authData = cat(sha256(this.rpId), [FLAGS.UP | FLAGS.UV], [0, 0, 0, this.#counter]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: this.origin, crossOrigin: false }),
    );
    const signature = await this.#sign(cat(authData, sha256(clientDataJSON)));
    return {
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: this.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}
