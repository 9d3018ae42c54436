/**
 * Signing keys in D1: one per advertised algorithm, all created together at first key setup (so each is in the JWKS
 * before it signs), private part encrypted at rest, cached per isolate, rotated by cron.
 */
import { and, eq, isNull, lt } from "drizzle-orm";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Config, Env } from "../config";
import { db as dbFor } from "../db/client";
import { signingKeys } from "../db/schema";
import { KEY_CACHE_TTL_S } from "../lib/token-lifetimes";
import { decryptString, encryptString } from "./crypto-box";
import {
  type KeyPlan,
  planKeyRotation,
  SIGNING_ALGS,
  type SigningAlg,
  selectPublishedKeys,
  selectSigningKey,
} from "./key-policy";

export type { SigningAlg } from "./key-policy";

export type SigningKeyRow = typeof signingKeys.$inferSelect;

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  /** Non-extractable private key for jose's SignJWT. */
  key: CryptoKey;
}

export interface PublicJwks {
  keys: JWK[];
}

interface CachedRows {
  rows: SigningKeyRow[];
  loadedAt: number;
  /** Parsed public JWKs by kid, so serving or verifying against the JWKS does no JSON parsing. */
  publicJwks: Map<string, JWK>;
}

/** Isolate cache of all rows: a warm isolate signs and serves the JWKS without a D1 read. */
let cached: CachedRows | null = null;
/** Decrypted, imported private keys by kid (a kid's key never changes). */
const privateKeys = new Map<string, Promise<CryptoKey>>();
/** The one in-flight first key setup of this isolate. */
let creating: Promise<void> | null = null;
/** When a token naming a kid missing from the cache last made this isolate reread the keys. */
let unknownKidReloadAt = -Infinity;
/** At most one such reread per this many ms per isolate, so made-up kids cannot turn into D1 reads. */
const UNKNOWN_KID_RELOAD_MS = 5_000;

/** Forgets the isolate cache (after a write here, and in tests). */
export function clearSigningKeyCache(): void {
  cached = null;
  privateKeys.clear();
  unknownKidReloadAt = -Infinity;
}

/** Every signing_keys row, straight from D1. */
export async function listSigningKeys(env: Env): Promise<SigningKeyRow[]> {
  return dbFor(env.DB).select().from(signingKeys).all();
}

async function loadCache(env: Env, now: number, fresh = false): Promise<CachedRows> {
  const age = cached ? now - cached.loadedAt : Infinity;
  if (!fresh && cached && age >= 0 && age < KEY_CACHE_TTL_S * 1000) return cached;
  const rows = await listSigningKeys(env);
  cached = { rows, loadedAt: now, publicJwks: new Map(rows.map((r) => [r.kid, JSON.parse(r.publicJwk) as JWK])) };
  return cached;
}

async function loadRows(env: Env, now: number, fresh = false): Promise<SigningKeyRow[]> {
  return (await loadCache(env, now, fresh)).rows;
}

/** Generates a key pair and seals the private JWK under KEY_ENCRYPTION_SECRET: the row to insert. */
async function newSigningKeyRow(
  config: Config,
  alg: SigningAlg,
  createdAt: number,
  signFrom: number,
): Promise<SigningKeyRow> {
  const { publicKey, privateKey } =
    alg === "RS256"
      ? await generateKeyPair("RS256", { modulusLength: 2048, extractable: true })
      : await generateKeyPair("ES256", { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  // RFC 7638: the kid is the JWK thumbprint, so it is stable and unique per key.
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg,
    // RFC 7517 §4.2, §4.4, §4.5: use, alg and kid are published with the key.
    publicJwk: JSON.stringify({ ...publicJwk, kid, use: "sig", alg }),
    privateJwkEnc: await encryptString(config.keyEncryptionSecret, JSON.stringify(privateJwk), kid),
    createdAt,
    signFrom,
    retiredAt: null,
    unpublishAt: null,
  };
}

/** Generates a key pair, seals the private JWK under KEY_ENCRYPTION_SECRET and inserts the row. Returns the kid. */
export async function createSigningKey(
  env: Env,
  config: Config,
  alg: SigningAlg,
  createdAt: number,
  signFrom: number,
): Promise<string> {
  const row = await newSigningKeyRow(config, alg, createdAt, signFrom);
  await dbFor(env.DB).insert(signingKeys).values(row).run();
  return row.kid;
}

/**
 * The advertised algorithms (discovery's id_token_signing_alg_values_supported) without a key that can sign at `now`.
 */
function algsWithoutSigningKey(rows: readonly SigningKeyRow[], now: number): SigningAlg[] {
  return SIGNING_ALGS.filter((alg) => !selectSigningKey(rows, alg, now));
}

/**
 * First key setup: every algorithm in SIGNING_ALGS that has no signing key gets one, all inserted in one batch, so
 * the first JWKS any relying party sees already holds a key for every algorithm discovery advertises (OIDC Core
 * §10.1.1: a verifier must find the key before a token names it). Runs when the JWKS is first served or a key is
 * first needed, whichever comes first. Two isolates may do this at the same moment; both sets are published,
 * `selectSigningKey` picks the same key everywhere once they see both, and rotation retires the others.
 */
async function ensureSigningKeys(env: Env, config: Config, now: number): Promise<void> {
  if (!creating) {
    creating = (async () => {
      try {
        const missing = algsWithoutSigningKey(await loadRows(env, now, true), now);
        if (missing.length === 0) return;
        const rows = await Promise.all(missing.map((alg) => newSigningKeyRow(config, alg, now, now)));
        const db = dbFor(env.DB);
        const [first, ...rest] = rows.map((row) => db.insert(signingKeys).values(row));
        await db.batch([first!, ...rest]);
        await loadRows(env, now, true);
      } finally {
        creating = null;
      }
    })();
  }
  await creating;
}

async function importPrivateKey(config: Config, row: SigningKeyRow): Promise<CryptoKey> {
  let key = privateKeys.get(row.kid);
  if (!key) {
    key = (async () => {
      const jwk = JSON.parse(await decryptString(config.keyEncryptionSecret, row.privateJwkEnc, row.kid)) as JWK;
      // The decrypted key must be the one the kid (its public thumbprint, RFC 7638) names.
      if ((await calculateJwkThumbprint(jwk, "sha256")) !== row.kid)
        throw new Error(`signing key ${row.kid} does not match its kid`);
      const imported = await importJWK(jwk, row.alg, { extractable: false });
      if (imported instanceof Uint8Array) throw new Error(`signing key ${row.kid} is not an asymmetric key`);
      return imported;
    })();
    key.catch(() => privateKeys.delete(row.kid));
    privateKeys.set(row.kid, key);
  }
  return key;
}

/**
 * The key that signs for `alg` at `now` (the newest whose signFrom has passed and that is not retired); first key setup
 * on first need.
 */
export async function getSigningKey(env: Env, config: Config, alg: SigningAlg, now: number): Promise<SigningKey> {
  let row = selectSigningKey(await loadRows(env, now), alg, now);
  if (!row) {
    await ensureSigningKeys(env, config, now);
    row = selectSigningKey(await loadRows(env, now), alg, now);
  }
  if (!row) throw new Error(`no ${alg} signing key after creating one`);
  return { kid: row.kid, alg, key: await importPrivateKey(config, row) };
}

/** RFC 7517 §5 JWK Set of every published key (pending, active, and retired until its tokens expire). */
export async function getPublicJwks(env: Env, now: number, fresh = false): Promise<PublicJwks> {
  const { rows, publicJwks } = await loadCache(env, now, fresh);
  return { keys: selectPublishedKeys(rows, now).map((r) => ({ ...publicJwks.get(r.kid)! })) };
}

/**
 * The JWKS served at jwks_uri: runs first key setup when an advertised algorithm has no key yet (a fresh deployment).
 */
export async function servedJwks(env: Env, config: Config, now: number): Promise<PublicJwks> {
  if (algsWithoutSigningKey((await loadCache(env, now)).rows, now).length > 0)
    await ensureSigningKeys(env, config, now);
  return getPublicJwks(env, now);
}

/**
 * The published keys reread from D1, for a token whose kid this isolate's cached list lacks: another isolate may
 * have created a key on first need (such a key signs at once) inside this isolate's KEY_CACHE_TTL_S window.
 * Null when this isolate reread for that reason less than UNKNOWN_KID_RELOAD_MS ago.
 */
export async function reloadPublicJwksForUnknownKid(env: Env, now: number): Promise<PublicJwks | null> {
  // Either side of the last reread: requests take `now` when they start, so they may arrive out of order.
  if (Math.abs(now - unknownKidReloadAt) < UNKNOWN_KID_RELOAD_MS) return null;
  unknownKidReloadAt = now;
  return getPublicJwks(env, now, true);
}

export interface RotationResult {
  plan: KeyPlan;
  created: string[];
}

/** Cron: reads the rows fresh, applies `planKeyRotation`, and drops the isolate cache. */
export async function rotateKeys(env: Env, config: Config, now: number): Promise<RotationResult> {
  const plan = planKeyRotation(await listSigningKeys(env), now);
  const db = dbFor(env.DB);
  const created: string[] = [];
  for (const c of plan.create) created.push(await createSigningKey(env, config, c.alg, now, c.signFrom));
  const writes = [
    ...plan.retire.map((r) =>
      db
        .update(signingKeys)
        .set({ retiredAt: r.retiredAt, unpublishAt: r.unpublishAt })
        .where(and(eq(signingKeys.kid, r.kid), isNull(signingKeys.retiredAt))),
    ),
    ...plan.delete.map((kid) =>
      db.delete(signingKeys).where(and(eq(signingKeys.kid, kid), lt(signingKeys.unpublishAt, now))),
    ),
  ];
  const [first, ...rest] = writes;
  if (first) await db.batch([first, ...rest]);
  clearSigningKeyCache();
  return { plan, created };
}
