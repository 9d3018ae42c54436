/**
 * private_key_jwt and client_secret_jwt (OIDC Core §9, RFC 7523 §2.2): loads the keys (client-jwks.ts, the sealed
 * secret), runs the pure checks (client-assertion.ts) and only then consumes the jti in the client's own Durable
 * Object, so that each assertion is accepted once (RFC 7523 §3 item 7) and a bad one burns nothing.
 */
import type { JWK } from "jose";
import type { Env } from "../config";
import { sha256b64url } from "../lib/crypto";
import { clientObject } from "../user/user-object";
import { type AssertionAlg, assertionAlgsFor } from "./capabilities";
import {
  ASSERTION_CLOCK_SKEW_S,
  type AssertionFailure,
  candidateKeys,
  checkAssertionClaims,
  readAssertionHeader,
  verifiedPayload,
} from "./client-assertion";
import { ClientKeysUnavailable, clientJwks } from "./client-jwks";
import { openClientSecrets } from "./client-secret-box";
import type { ClientRecord } from "./clients";

export type AssertionOutcome =
  | { ok: true }
  | { ok: false; reason: AssertionFailure | "replay" | "keys"; detail?: string };

export interface AssertionContext {
  env: Env;
  keyEncryptionSecret: string;
  /** RFC 7523 §3 item 3: the values `aud` may name. */
  audiences: readonly string[];
  now: number;
}

/** The HMAC keys of a client_secret_jwt client: its secret, and the replaced one during the rotation grace. */
async function secretKeys(client: ClientRecord, ctx: AssertionContext): Promise<Uint8Array[]> {
  if (client.secretEnc === null) return [];
  let secrets: Awaited<ReturnType<typeof openClientSecrets>>;
  try {
    secrets = await openClientSecrets(ctx.keyEncryptionSecret, client.id, client.secretEnc);
  } catch {
    // Our own row does not open (KEY_ENCRYPTION_SECRET changed?): the client cannot be authenticated, which is
    // invalid_client for it and a log line for the operator, not a 5xx.
    throw new ClientKeysUnavailable("the sealed client secret does not open under KEY_ENCRYPTION_SECRET");
  }
  const enc = new TextEncoder();
  const keys = [enc.encode(secrets.current)];
  if (secrets.previous !== null && client.previousSecretExpiresAt !== null && ctx.now < client.previousSecretExpiresAt)
    keys.push(enc.encode(secrets.previous));
  return keys;
}

/** The public keys that may have signed it; an unknown kid refetches a jwks_uri once (rate-limited there). */
async function publicKeys(client: ClientRecord, alg: AssertionAlg, kid: string | null, now: number): Promise<JWK[]> {
  let keys = candidateKeys(await clientJwks(client, now), alg, kid);
  if (keys.length === 0 && client.jwksUri) keys = candidateKeys(await clientJwks(client, now, true), alg, kid);
  return keys;
}

/** Checks `assertion` for `client` (which registered a JWT method); consumes its jti when everything else holds. */
export async function verifyClientAssertion(
  client: ClientRecord,
  assertion: string,
  ctx: AssertionContext,
): Promise<AssertionOutcome> {
  const method = client.tokenEndpointAuthMethod;
  // OIDC Registration 1.0 §2: the registered alg is the only one; otherwise any of the method's (RFC 8725 §3.1:
  // HS* only for client_secret_jwt, whose key is a shared secret; "none" never).
  const allowed = client.tokenEndpointAuthSigningAlg ? [client.tokenEndpointAuthSigningAlg] : assertionAlgsFor(method);
  const header = readAssertionHeader(
    assertion,
    allowed.filter((a) => assertionAlgsFor(method).includes(a)),
  );
  if (!header.ok) return header;
  let keys: (JWK | Uint8Array)[];
  try {
    keys =
      method === "client_secret_jwt"
        ? await secretKeys(client, ctx)
        : await publicKeys(client, header.alg, header.kid, ctx.now);
  } catch (e) {
    if (e instanceof ClientKeysUnavailable) return { ok: false, reason: "keys", detail: e.message };
    throw e;
  }
  if (keys.length === 0) return { ok: false, reason: "unknown_kid" };
  // RFC 7523 §3 item 9: the JWT MUST be digitally signed or MACed; reject it if the signature does not verify.
  const payload = await verifiedPayload(assertion, header.alg, keys);
  if (payload === undefined) return { ok: false, reason: "signature" };
  const claims = checkAssertionClaims(payload, { clientId: client.id, audiences: ctx.audiences, now: ctx.now });
  if (!claims.ok) return claims;
  // RFC 7523 §3 item 7: a jti seen before is a replay. Remembered until the assertion could no longer be accepted.
  const fresh = await clientObject(ctx.env, client.id).consumeOnce({
    id: `assertion:${await sha256b64url(claims.jti)}`,
    expiresAt: (claims.exp + ASSERTION_CLOCK_SKEW_S) * 1000,
  });
  return fresh ? { ok: true } : { ok: false, reason: "replay" };
}
