/**
 * Decoy allowCredentials for an address with no passkeys here (WebAuthn L3 §14.6.2, username enumeration): derived
 * from the address under a server secret, so one address always gets the same list, and shaped like real descriptors
 * (how many, id length and transports together), so a list's shape does not tell a decoy from a real account.
 */
import { base64url, fromBase64url, hmacSha256 } from "../lib/crypto";

export interface Descriptor {
  id: string;
  transports: string[];
}

/**
 * Common shapes of real credentials, by weight: synced passkeys (16- and 20-byte ids, hybrid + internal), platform
 * authenticators (32 bytes, internal) and security keys (64 bytes, nfc + usb). Transports are sorted, as
 * `getTransports()` returns them (WebAuthn L3 §5.2.1.2).
 */
const SHAPES: readonly { bytes: number; transports: string[]; weight: number }[] = [
  { bytes: 16, transports: ["hybrid", "internal"], weight: 3 },
  { bytes: 20, transports: ["hybrid", "internal"], weight: 4 },
  { bytes: 32, transports: ["internal"], weight: 2 },
  { bytes: 64, transports: ["nfc", "usb"], weight: 1 },
];
const TOTAL_WEIGHT = SHAPES.reduce((n, s) => n + s.weight, 0);
/** Share of decoy lists with two passkeys rather than one, out of 256. */
const TWO_IN_256 = 48;

function shapeFor(byte: number): (typeof SHAPES)[number] {
  let r = byte % TOTAL_WEIGHT;
  for (const shape of SHAPES) {
    if (r < shape.weight) return shape;
    r -= shape.weight;
  }
  return SHAPES[0]!;
}

async function bytesFor(secret: string, label: string, n: number): Promise<Uint8Array> {
  const first = fromBase64url(await hmacSha256(secret, `${label}:0`));
  if (n <= first.length) return first.slice(0, n);
  const second = fromBase64url(await hmacSha256(secret, `${label}:1`));
  const out = new Uint8Array(first.length + second.length);
  out.set(first);
  out.set(second, first.length);
  return out.slice(0, n);
}

export async function decoyCredentials(secret: string, email: string): Promise<Descriptor[]> {
  const seed = fromBase64url(await hmacSha256(secret, `decoy-credentials:${email}`));
  const count = seed[0]! < TWO_IN_256 ? 2 : 1;
  const out: Descriptor[] = [];
  for (let i = 0; i < count; i++) {
    const shape = shapeFor(seed[1 + i]!);
    out.push({
      id: base64url(await bytesFor(secret, `decoy-credential-id:${i}:${email}`, shape.bytes)),
      transports: [...shape.transports],
    });
  }
  return out;
}
