/**
 * Bench only: endpoints that do exactly the WebCrypto work of one request of a flow and nothing else, so
 * flow throughput / bound throughput (same process, same client, same concurrency) is the flow's efficiency.
 * The operation lists mirror the code paths; keep them in step with src/ (docs/performance.md lists them).
 * A second bound per flow adds the flow's storage round trips: binding calls made directly (no Hono, no drizzle, no
 * library code around them); the Durable Object call runs the object's own method. What the target's storage
 * budget costs on its own in this process.
 */
import type { Env } from "../../src/config";
import { userObject } from "../../src/user/user-object";

const encoder = new TextEncoder();
const ES256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;

interface Fixture {
  /** Public JWK of a credential, imported on every sign-in as @simplewebauthn/server does (from COSE). */
  credentialJwk: JsonWebKey;
  /** authenticatorData || SHA-256(clientDataJSON) and its signature, as an assertion carries them. */
  signedData: Uint8Array<ArrayBuffer>;
  signature: ArrayBuffer;
  clientDataJSON: Uint8Array<ArrayBuffer>;
  /** The active ES256 signing key: imported once per isolate and cached, as src/keys/signing-keys.ts does. */
  signingKey: CryptoKey;
  /** A JWS signing input about the size of an access token / ID token. */
  accessTokenInput: Uint8Array<ArrayBuffer>;
  idTokenInput: Uint8Array<ArrayBuffer>;
  hmacKey: CryptoKey;
}

let fixture: Promise<Fixture> | null = null;

function bytes(s: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(s) as Uint8Array<ArrayBuffer>;
}

async function makeFixture(): Promise<Fixture> {
  const credential = (await crypto.subtle.generateKey(ES256, true, ["sign", "verify"])) as CryptoKeyPair;
  const clientDataJSON = bytes(
    JSON.stringify({
      type: "webauthn.get",
      challenge: "x".repeat(43),
      origin: "http://localhost:8787",
      crossOrigin: false,
    }),
  );
  const authData = new Uint8Array(37);
  const signedData = new Uint8Array(37 + 32);
  signedData.set(authData);
  signedData.set(new Uint8Array(await crypto.subtle.digest("SHA-256", clientDataJSON)), 37);
  const signing = (await crypto.subtle.generateKey(ES256, true, ["sign", "verify"])) as CryptoKeyPair;
  const signingKey = await crypto.subtle.importKey(
    "jwk",
    await crypto.subtle.exportKey("jwk", signing.privateKey),
    ES256,
    false,
    ["sign"],
  );
  return {
    credentialJwk: (await crypto.subtle.exportKey("jwk", credential.publicKey)) as JsonWebKey,
    signedData,
    signature: await crypto.subtle.sign(ECDSA_SHA256, credential.privateKey, signedData),
    clientDataJSON,
    signingKey,
    accessTokenInput: bytes(`${"e".repeat(36)}.${"p".repeat(420)}`),
    idTokenInput: bytes(`${"e".repeat(36)}.${"p".repeat(520)}`),
    hmacKey: await crypto.subtle.importKey("raw", bytes("k".repeat(40)), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]),
  };
}

function random(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

async function sha256(data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", data);
}

/**
 * POST /auth/passkey/verify: CSRF HMAC (import + sign, src/sessions/browser.ts); SHA-256 of clientDataJSON and of
 * the RP ID, COSE key import and one ES256 verify (@simplewebauthn/server); session secret + sid and SHA-256 of the
 * secret (src/sessions/session.ts).
 */
async function signInBound(f: Fixture): Promise<void> {
  // The CSRF key is imported once per isolate (src/lib/crypto.ts caches it).
  await crypto.subtle.sign("HMAC", f.hmacKey, bytes(`csrf:${"b".repeat(24)}`));
  await sha256(f.clientDataJSON);
  await sha256(bytes("localhost"));
  const key = await crypto.subtle.importKey("jwk", f.credentialJwk, ES256, false, ["verify"]);
  if (!(await crypto.subtle.verify(ECDSA_SHA256, key, f.signature, f.signedData)))
    throw new Error("bound: signature did not verify");
  const secret = random(32);
  random(16);
  await sha256(secret as Uint8Array<ArrayBuffer>);
}

/**
 * POST /token, authorization_code with client_secret_basic, PKCE and openid + offline_access: SHA-256 of the client
 * secret, the code secret, the verifier and the refresh secret; refresh secret, family id and two jti; two ES256
 * signatures (access token, ID token) and the at_hash SHA-256.
 */
async function tokenBound(f: Fixture): Promise<void> {
  await sha256(bytes("s".repeat(43)));
  random(32);
  random(16);
  await sha256(bytes("c".repeat(43)));
  await sha256(bytes("v".repeat(43)));
  await sha256(bytes("r".repeat(43)));
  random(16);
  await crypto.subtle.sign(ECDSA_SHA256, f.signingKey, f.accessTokenInput);
  await sha256(f.accessTokenInput);
  random(16);
  await crypto.subtle.sign(ECDSA_SHA256, f.signingKey, f.idTokenInput);
}

/** POST /token, refresh_token grant: client secret, old and new refresh hashes, two ES256 signatures, at_hash. */
async function refreshBound(f: Fixture): Promise<void> {
  await sha256(bytes("s".repeat(43)));
  random(32);
  await sha256(bytes("o".repeat(43)));
  await sha256(bytes("n".repeat(43)));
  random(16);
  await crypto.subtle.sign(ECDSA_SHA256, f.signingKey, f.accessTokenInput);
  await sha256(f.accessTokenInput);
  random(16);
  await crypto.subtle.sign(ECDSA_SHA256, f.signingKey, f.idTokenInput);
}

/** POST /token, client_credentials: the client secret's SHA-256, one jti and one ES256 signature (no ID token). */
async function clientCredentialsBound(f: Fixture): Promise<void> {
  await sha256(bytes("s".repeat(43)));
  random(16);
  await crypto.subtle.sign(ECDSA_SHA256, f.signingKey, f.accessTokenInput);
}

/** A seeded credential and a challenge-sized KV record, for the storage bounds. */
interface StorageFixture {
  credentialId: string;
  userId: string;
  kvKey: string;
}

let storageFixture: Promise<StorageFixture> | null = null;

async function makeStorageFixture(env: Env): Promise<StorageFixture> {
  const row = await env.DB.prepare("SELECT id, user_id FROM credentials LIMIT 1").first<{
    id: string;
    user_id: string;
  }>();
  if (!row) throw new Error("storage bound: seed users first");
  const kvKey = "wa:bench-storage-bound";
  await env.KV.put(
    kvKey,
    JSON.stringify({
      browserId: "b".repeat(24),
      purpose: "authenticate",
      userId: null,
      expiresAt: Date.now() + 3_600_000,
    }),
    { expirationTtl: 3600 },
  );
  return { credentialId: row.id, userId: row.user_id, kvKey };
}

/** Sign-in's budget, 1 KV + 2 D1 + 1 DO: the challenge read, the credential read and its update (the same four
 * columns), and the user's object consuming the challenge and creating a session (the flow's own RPC). */
async function signInStorage(env: Env, s: StorageFixture): Promise<void> {
  if (!(await env.KV.get(s.kvKey, "json"))) throw new Error("storage bound: KV record missing");
  const cred = await env.DB.prepare("SELECT * FROM credentials WHERE id = ?").bind(s.credentialId).first();
  if (!cred) throw new Error("storage bound: credential missing");
  await env.DB.prepare(
    "UPDATE credentials SET counter = ?, backup_eligible = max(backup_eligible, ?), backup_state = ?, last_used_at = ? WHERE id = ?",
  )
    .bind(0, 1, 1, Date.now(), s.credentialId)
    .run();
  const now = Date.now();
  const result = await userObject(env, s.userId).signIn(
    { id: `bound:${crypto.randomUUID()}`, expiresAt: now + 60_000 },
    {
      secretHash: crypto.randomUUID(),
      sid: crypto.randomUUID(),
      userAgent: "bench",
      country: null,
      amr: ["pop", "swk"],
      method: "passkey",
      credentialId: s.credentialId,
      crossDevice: false,
      idleTtlMs: 60_000,
      absoluteTtlMs: 60_000,
    },
    now,
  );
  if (!result.ok) throw new Error("storage bound: sign-in was refused");
}

/** Token exchange and refresh: 1 DO call on a warm isolate; here one that writes one row (the flows write three). */
async function tokenStorage(env: Env, s: StorageFixture): Promise<void> {
  if (
    !(await userObject(env, s.userId).consumeOnce({
      id: `bound:${crypto.randomUUID()}`,
      expiresAt: Date.now() + 60_000,
    }))
  )
    throw new Error("storage bound: id was consumed");
}

const BOUNDS: Record<string, (f: Fixture) => Promise<void>> = {
  signin: signInBound,
  token: tokenBound,
  refresh: refreshBound,
  clientCredentials: clientCredentialsBound,
};
const STORAGE: Record<string, (env: Env, s: StorageFixture) => Promise<void>> = {
  signin: signInStorage,
  token: tokenStorage,
  refresh: tokenStorage,
  // A warm client_credentials request makes no round trip before it answers: its storage bound is the crypto bound.
  clientCredentials: async () => {},
};

/** Bodies served by the static bound (JWKS and discovery do no crypto: their bound is a bare response of the same bytes). */
const staticBodies = new Map<string, { body: string; headers: Record<string, string> }>();

export async function boundResponse(request: Request, env: Env, name: string): Promise<Response> {
  if (name.startsWith("static/")) {
    const key = name.slice("static/".length);
    if (request.method === "PUT") {
      staticBodies.set(key, {
        body: await request.text(),
        headers: { "content-type": request.headers.get("content-type") ?? "application/json" },
      });
      return new Response(null, { status: 204 });
    }
    const hit = staticBodies.get(key);
    return hit
      ? new Response(hit.body, { headers: hit.headers })
      : new Response("unknown static body", { status: 404 });
  }
  // "<flow>" is crypto only; "<flow>+storage" adds the flow's storage round trips.
  const [flow, withStorage] = name.split("+") as [string, string | undefined];
  const bound = BOUNDS[flow];
  const storage = STORAGE[flow];
  if (!bound || !storage || (withStorage !== undefined && withStorage !== "storage"))
    return new Response("unknown bound", { status: 404 });
  // Receiving the request is part of every flow: the bound reads a body like the flow's.
  await request.text();
  fixture ??= makeFixture();
  await bound(await fixture);
  if (withStorage) {
    // A failed setup is not remembered: the next request tries again.
    storageFixture ??= makeStorageFixture(env).catch((err: unknown) => {
      storageFixture = null;
      throw err;
    });
    await storage(env, await storageFixture);
  }
  // Answering is part of every flow too: as many bytes as the flow's response.
  const answerBytes = Math.min(64 * 1024, Number(request.headers.get("x-bound-answer-bytes")) || 0);
  const answer = `{"ok":true,"pad":"${"x".repeat(Math.max(0, answerBytes - 20))}"}`;
  return new Response(answer, { headers: { "content-type": "application/json", "cache-control": "no-store" } });
}
