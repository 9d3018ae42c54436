/** Test-only software WebAuthn authenticator (ES256, "none" attestation) producing responses @simplewebauthn/server verifies. */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoBase64URL, isoCBOR, isoUint8Array } from "@simplewebauthn/server/helpers";

type Bytes = ReturnType<Uint8Array["slice"]>;
type CBORValue = Parameters<typeof isoCBOR.encode>[0];

export interface SoftAuthenticatorOptions {
  /** AAGUID as a UUID string; defaults to the all-zero AAGUID. */
  aaguid?: string;
  /** BE flag (WebAuthn L3 §6.1 bit 3); default false. */
  backupEligible?: boolean;
  /** BS flag (WebAuthn L3 §6.1 bit 4); default false. */
  backupState?: boolean;
  /** UV flag (WebAuthn L3 §6.1 bit 2); default true. */
  uv?: boolean;
}

export interface RegisterOverrides {
  /** rpId hashed into authenticatorData instead of the real one. */
  rpId?: string;
  /** challenge put in clientDataJSON instead of options.challenge. */
  challenge?: string;
  /** clientDataJSON.type instead of "webauthn.create". */
  type?: string;
  /** Length of the new credential id in bytes; default 16. */
  credentialIdBytes?: number;
  /** Made inside a frame (WebAuthn L3 §5.8.1 crossOrigin / topOrigin) instead of a top-level page. */
  frame?: Frame;
}

export interface AuthenticateOverrides {
  /** signCount for this one response; the stored counter is neither used nor changed. */
  counter?: number;
  /** rpId hashed into authenticatorData instead of the real one. */
  rpId?: string;
  /** challenge put in clientDataJSON instead of options.challenge. */
  challenge?: string;
  /** userHandle to report; null omits it. */
  userHandle?: string | null;
  /** Use this stored credential; if no stored credential has this id, report it as the id anyway (signed by the normally picked key). */
  credentialId?: string;
  /** BE and BS flags for this one response instead of the authenticator's own (WebAuthn L3 §6.1 bits 3 and 4). */
  backup?: { eligible: boolean; state: boolean };
  /** The UV flag for this one response instead of the authenticator's own (WebAuthn L3 §6.1 bit 2): a presence-only assertion. */
  uv?: boolean;
  /** Made inside a frame (WebAuthn L3 §5.8.1 crossOrigin / topOrigin) instead of a top-level page. */
  frame?: Frame;
}

/** How a browser describes a ceremony run in a frame: crossOrigin true, and (Chrome) the top-level origin. */
export interface Frame {
  crossOrigin: boolean;
  topOrigin?: string;
}

interface StoredCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: CryptoKey;
}

// WebAuthn L3 §6.1 authenticator data flags.
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const COSE_ALG_ES256 = -7;

export class SoftAuthenticator {
  /** base64url id of the last registered credential. */
  credentialId: string | null = null;
  /** Global signature counter (WebAuthn L3 §6.1.1 allows one per authenticator); next assertion uses counter + 1. */
  counter = 0;

  readonly #aaguid: Bytes;
  readonly #flags: number;
  readonly #credentials: StoredCredential[] = [];

  private constructor(aaguid: Bytes, flags: number) {
    this.#aaguid = aaguid;
    this.#flags = flags;
  }

  static async create(opts: SoftAuthenticatorOptions = {}): Promise<SoftAuthenticator> {
    const aaguid = parseAaguid(opts.aaguid ?? "00000000-0000-0000-0000-000000000000");
    let flags = FLAG_UP;
    if (opts.uv ?? true) flags |= FLAG_UV;
    if (opts.backupEligible) flags |= FLAG_BE;
    if (opts.backupState) flags |= FLAG_BS;
    return new SoftAuthenticator(aaguid, flags);
  }

  /** Acts as navigator.credentials.create + authenticatorMakeCredential (WebAuthn L3 §5.1.3, §6.3.2). */
  async register(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    overrides: RegisterOverrides = {},
  ): Promise<RegistrationResponseJSON> {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    // WebAuthn L3 §6.3.2 step 2: only ES256 is supported here.
    if (!options.pubKeyCredParams.some((p) => p.type === "public-key" && p.alg === COSE_ALG_ES256)) {
      throw namedError("NotSupportedError", "SoftAuthenticator only supports ES256 (-7)");
    }
    // WebAuthn L3 §6.3.2 step 3: refuse when a listed credential already lives here.
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.#credentials.some((c) => c.rpId === rpId && excluded.has(c.id))) {
      throw namedError("InvalidStateError", "an excluded credential is already registered on this authenticator");
    }

    const keyPair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const rawPublic = new Uint8Array((await crypto.subtle.exportKey("raw", keyPair.publicKey)) as ArrayBuffer);
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", keyPair.publicKey)) as ArrayBuffer);
    const credIdBytes = crypto.getRandomValues(new Uint8Array(overrides.credentialIdBytes ?? 16));
    const credentialId = isoBase64URL.fromBuffer(credIdBytes);

    // WebAuthn L3 §6.5.1 attested credential data: aaguid | credIdLen | credId | COSE_Key.
    const credIdLen = new Uint8Array([credIdBytes.length >> 8, credIdBytes.length & 0xff]);
    const attestedCredentialData = isoUint8Array.concat([
      this.#aaguid,
      credIdLen,
      credIdBytes,
      coseEs256PublicKey(rawPublic),
    ]);
    const authData = isoUint8Array.concat([
      await sha256(isoUint8Array.fromUTF8String(overrides.rpId ?? rpId)),
      new Uint8Array([this.#flags | FLAG_AT]),
      uint32be(this.counter),
      attestedCredentialData,
    ]);
    // WebAuthn L3 §8.7 "none" attestation: empty attStmt.
    const attestationObject = isoCBOR.encode(
      new Map<string, CBORValue>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    const clientDataJSON = clientData(
      overrides.type ?? "webauthn.create",
      overrides.challenge ?? options.challenge,
      origin,
      overrides.frame,
    );

    this.#credentials.push({ id: credentialId, rpId, userHandle: options.user.id, privateKey: keyPair.privateKey });
    this.credentialId = credentialId;

    return {
      id: credentialId,
      rawId: credentialId,
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: { credProps: { rk: true } },
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        authenticatorData: isoBase64URL.fromBuffer(authData),
        transports: ["internal", "hybrid"],
        publicKeyAlgorithm: COSE_ALG_ES256,
        publicKey: isoBase64URL.fromBuffer(spki),
      },
    };
  }

  /** Acts as navigator.credentials.get + authenticatorGetAssertion (WebAuthn L3 §5.1.4, §6.3.3). */
  async authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    overrides: AuthenticateOverrides = {},
  ): Promise<AuthenticationResponseJSON> {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const credential = this.#pick(rpId, options.allowCredentials ?? [], overrides.credentialId);
    const responseId = overrides.credentialId ?? credential.id;

    let signCount: number;
    if (overrides.counter !== undefined) {
      signCount = overrides.counter;
    } else {
      this.counter += 1;
      signCount = this.counter;
    }

    const authData = isoUint8Array.concat([
      await sha256(isoUint8Array.fromUTF8String(overrides.rpId ?? rpId)),
      new Uint8Array([
        withUv(overrides.backup ? withBackupFlags(this.#flags, overrides.backup) : this.#flags, overrides.uv),
      ]),
      uint32be(signCount),
    ]);
    const clientDataJSON = clientData(
      "webauthn.get",
      overrides.challenge ?? options.challenge,
      origin,
      overrides.frame,
    );
    // WebAuthn L3 §6.3.3 step 11: sign authData || SHA-256(clientDataJSON).
    const signed = isoUint8Array.concat([authData, await sha256(clientDataJSON)]);
    const rawSig = new Uint8Array(
      await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, credential.privateKey, signed),
    );
    // WebAuthn L3 §6.5.5: ES256 signatures are ASN.1 DER, not WebCrypto's raw r|s.
    const signature = rawEcdsaToDer(rawSig);

    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id: responseId,
      rawId: responseId,
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
        authenticatorData: isoBase64URL.fromBuffer(authData),
        signature: isoBase64URL.fromBuffer(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }

  #pick(rpId: string, allow: { id: string }[], wanted: string | undefined): StoredCredential {
    const forRp = this.#credentials.filter((c) => c.rpId === rpId);
    const exact = wanted === undefined ? undefined : forRp.find((c) => c.id === wanted);
    if (exact) return exact;
    // WebAuthn L3 §6.3.3 step 6: with allowCredentials, only listed credentials qualify.
    const candidates = allow.length === 0 ? forRp : forRp.filter((c) => allow.some((a) => a.id === c.id));
    // Most recently registered first, like an account picker defaulting to the newest passkey.
    const chosen = candidates[candidates.length - 1];
    if (!chosen) throw namedError("NotAllowedError", `no credential for rpId ${rpId} matches the request`);
    return chosen;
  }
}

function withUv(flags: number, uv: boolean | undefined): number {
  return uv === undefined ? flags : (flags & ~FLAG_UV) | (uv ? FLAG_UV : 0);
}

function withBackupFlags(flags: number, backup: { eligible: boolean; state: boolean }): number {
  return (flags & ~(FLAG_BE | FLAG_BS)) | (backup.eligible ? FLAG_BE : 0) | (backup.state ? FLAG_BS : 0);
}

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

function parseAaguid(uuid: string): Bytes {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`aaguid must be a UUID, got ${uuid}`);
  return isoUint8Array.fromHex(hex.toLowerCase());
}

function clientData(type: string, challenge: string, origin: string, frame: Frame = { crossOrigin: false }): Bytes {
  // WebAuthn L3 §5.8.1 CollectedClientData.
  return isoUint8Array.fromUTF8String(JSON.stringify({ type, challenge, origin, ...frame }));
}

async function sha256(data: Bytes): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

function uint32be(n: number): Bytes {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, false);
  return out;
}

/** RFC 9053 §2.1 / RFC 8152 §13.1.1: EC2 COSE_Key {1:2, 3:-7, -1:1, -2:x, -3:y}. */
function coseEs256PublicKey(raw: Bytes): Bytes {
  if (raw.length !== 65 || raw[0] !== 0x04) throw new TypeError("expected an uncompressed P-256 point");
  return isoCBOR.encode(
    new Map<number, CBORValue>([
      [1, 2],
      [3, COSE_ALG_ES256],
      [-1, 1],
      [-2, raw.slice(1, 33)],
      [-3, raw.slice(33, 65)],
    ]),
  );
}

/** Raw r|s (IEEE P1363) to DER SEQUENCE { INTEGER r, INTEGER s } (RFC 3279 §2.2.3). */
function rawEcdsaToDer(raw: Bytes): Bytes {
  if (raw.length !== 64) throw new TypeError("expected a 64-byte P-256 signature");
  const r = derInteger(raw.slice(0, 32));
  const s = derInteger(raw.slice(32, 64));
  return isoUint8Array.concat([new Uint8Array([0x30, r.length + s.length]), r, s]);
}

function derInteger(bytes: Bytes): Bytes {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  let body = bytes.slice(start);
  if ((body[0] ?? 0) & 0x80) body = isoUint8Array.concat([new Uint8Array([0]), body]);
  return isoUint8Array.concat([new Uint8Array([0x02, body.length]), body]);
}
