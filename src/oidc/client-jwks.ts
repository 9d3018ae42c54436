/**
 * A private_key_jwt client's public keys: its inline jwks, or its jwks_uri fetched with a timeout, a body limit and
 * no redirects, then cached in the isolate. A kid the cached set lacks refetches once, at most every
 * JWKS_REFETCH_MIN_INTERVAL_S per URI, so an unknown kid cannot make us hammer the client's server.
 */
import type { JSONWebKeySet } from "jose";
import { ResponseTooLarge, readResponseCapped } from "../lib/response-body";
import { parseClientJwkSet } from "./client-jwk-set";
import type { ClientRecord } from "./clients";

const JWKS_FETCH_TIMEOUT_MS = 3000;
const MAX_JWKS_RESPONSE_BYTES = 64 * 1024;
export const JWKS_CACHE_TTL_S = 300;
export const JWKS_REFETCH_MIN_INTERVAL_S = 30;
const MAX_CACHED_URIS = 200;

/** The client's keys (jwks_uri, or a sealed secret) could not be loaded (logged; the client sees invalid_client). */
export class ClientKeysUnavailable extends Error {}

const cache = new Map<string, { jwks: JSONWebKeySet; fetchedAt: number }>();

export function clearJwksCache(): void {
  cache.clear();
}

/** Reads at most `limit` bytes of the body as UTF-8; more is refused without reading the rest. */
async function readLimited(res: Response, limit: number): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readResponseCapped(res, limit);
  } catch (e) {
    if (e instanceof ResponseTooLarge) throw new ClientKeysUnavailable(e.message);
    throw e;
  }
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
}

async function fetchJwks(uri: string): Promise<JSONWebKeySet> {
  let res: Response;
  try {
    res = await fetch(uri, {
      headers: { Accept: "application/jwk-set+json, application/json" },
      // A redirect could lead to an address the registration policy refused (client-jwk-set.ts jwksUriProblem).
      redirect: "manual",
      signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
    });
  } catch (e) {
    throw new ClientKeysUnavailable(`fetch failed: ${e instanceof Error ? e.name : "error"}`);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new ClientKeysUnavailable(`status ${res.status}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(await readLimited(res, MAX_JWKS_RESPONSE_BYTES));
  } catch (e) {
    if (e instanceof ClientKeysUnavailable) throw e;
    throw new ClientKeysUnavailable(`body is not JSON (${e instanceof Error ? e.name : "error"})`);
  }
  // The same rules as an inline set (public keys only), with room for the larger body a remote set may have.
  const parsed = parseClientJwkSet(body, MAX_JWKS_RESPONSE_BYTES);
  if (!parsed.ok) throw new ClientKeysUnavailable(`JWK Set ${parsed.reason}`);
  return parsed.jwks;
}

/**
 * The keys to verify `client`'s assertions with. `refresh` (a kid was not found) refetches a jwks_uri unless it was
 * fetched less than JWKS_REFETCH_MIN_INTERVAL_S ago. Throws ClientKeysUnavailable when the set cannot be had.
 */
export async function clientJwks(client: ClientRecord, now: number, refresh = false): Promise<JSONWebKeySet> {
  if (client.jwks) return client.jwks;
  const uri = client.jwksUri;
  if (!uri) throw new ClientKeysUnavailable("the client has neither jwks nor jwks_uri");
  const hit = cache.get(uri);
  const age = hit ? (now - hit.fetchedAt) / 1000 : Number.POSITIVE_INFINITY;
  const fresh = age >= 0 && age < (refresh ? JWKS_REFETCH_MIN_INTERVAL_S : JWKS_CACHE_TTL_S);
  if (hit && fresh) return hit.jwks;
  const jwks = await fetchJwks(uri);
  cache.delete(uri);
  if (cache.size >= MAX_CACHED_URIS) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(uri, { jwks, fetchedAt: now });
  return jwks;
}
