/**
 * A client's public JWK Set (RFC 7517 §5) for private_key_jwt, from registration metadata or its jwks_uri (pure):
 * public keys only, few and small, each of a type an accepted assertion alg can use.
 */
import type { JSONWebKeySet, JWK } from "jose";
import { LOOPBACK_HOSTS } from "../lib/loopback";
import { checkWebhookUrl } from "../webhooks/url-policy";

const MAX_CLIENT_JWKS_KEYS = 10;
/** The serialized set stored with the client (registration) and the largest jwks_uri body read. */
const MAX_CLIENT_JWKS_BYTES = 16 * 1024;

/** RFC 7518 §6.2.2 (EC), §6.3.2 (RSA), RFC 8037 §2 (OKP), §6.4 (oct): members only a private or secret key has. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
/** The key types private_key_jwt's algs use (RS256/PS256: RSA, ES256: EC P-256, EdDSA: OKP Ed25519). */
const KEY_TYPES: Record<string, (jwk: Record<string, unknown>) => boolean> = {
  RSA: (k) => typeof k.n === "string" && typeof k.e === "string",
  EC: (k) => k.crv === "P-256" && typeof k.x === "string" && typeof k.y === "string",
  OKP: (k) => k.crv === "Ed25519" && typeof k.x === "string",
};

export type JwkSetResult = { ok: true; jwks: JSONWebKeySet } | { ok: false; reason: string };

/** Why one JWK cannot verify a client assertion, or null. */
function jwkProblem(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "is not an object";
  const k = raw as Record<string, unknown>;
  // RFC 7517 §4: kty is required. A private key must never be sent to (or stored by) the authorization server.
  if (PRIVATE_MEMBERS.some((m) => m in k)) return "contains private key material (only public keys are accepted)";
  const check = typeof k.kty === "string" ? KEY_TYPES[k.kty] : undefined;
  if (!check) return "must have kty RSA, EC (P-256) or OKP (Ed25519)";
  if (!check(k)) return `is not a well-formed public ${String(k.kty)} key`;
  // RFC 7517 §4.2, §4.3: a key meant only for encryption cannot verify signatures.
  if (k.use !== undefined && k.use !== "sig") return 'has a "use" other than "sig"';
  if (k.key_ops !== undefined && !(Array.isArray(k.key_ops) && k.key_ops.includes("verify")))
    return 'has key_ops without "verify"';
  if (k.kid !== undefined && (typeof k.kid !== "string" || k.kid.length > 200)) return "has an invalid kid";
  if (k.alg !== undefined && typeof k.alg !== "string") return "has an invalid alg";
  return null;
}

/** RFC 7517 §5: an object whose `keys` member is an array of public signing keys, serialized in `maxBytes`. */
export function parseClientJwkSet(value: unknown, maxBytes = MAX_CLIENT_JWKS_BYTES): JwkSetResult {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, reason: "must be a JWK Set object" };
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) return { ok: false, reason: 'must have a non-empty "keys" array' };
  if (keys.length > MAX_CLIENT_JWKS_KEYS) return { ok: false, reason: `has more than ${MAX_CLIENT_JWKS_KEYS} keys` };
  for (const [i, key] of keys.entries()) {
    const problem = jwkProblem(key);
    if (problem) return { ok: false, reason: `keys[${i}] ${problem}` };
  }
  if (new TextEncoder().encode(JSON.stringify(value)).byteLength > maxBytes)
    return { ok: false, reason: `is larger than ${maxBytes} bytes` };
  return { ok: true, jwks: { keys: keys as JWK[] } };
}

/**
 * Why `raw` cannot be a jwks_uri, or null: https to a public host (the webhook URL policy: no credentials, no
 * fragment, no loopback or private address); plain http only to a loopback host on a localhost dev issuer.
 */
export function jwksUriProblem(raw: string, insecureDev: boolean): string | null {
  let insecureLoopback = false;
  try {
    const url = new URL(raw);
    insecureLoopback = insecureDev && url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  } catch {
    return "is not an absolute URL";
  }
  const checked = checkWebhookUrl(raw, { allowInsecure: insecureLoopback });
  return checked.ok ? null : checked.reason;
}
