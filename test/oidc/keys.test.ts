/** Signing keys against the real local D1: creation on first need, encryption at rest, isolate cache, rotation by advancing `now`. */
import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { type Env, getConfig } from "../../src/config";
import worker from "../../src/index";
import { decryptString, encryptString } from "../../src/keys/crypto-box";
import {
  clearSigningKeyCache,
  createSigningKey,
  getPublicJwks,
  getSigningKey,
  listSigningKeys,
  rotateKeys,
  type SigningAlg,
} from "../../src/keys/signing-keys";
import { KEY_CACHE_TTL_S, KEY_ROTATE_AFTER_S, KEY_SIGN_LEAD_S } from "../../src/lib/token-lifetimes";
import { ID_TOKEN_ALGS } from "../../src/oidc/capabilities";
import { verifyOwnJwt } from "../../src/oidc/own-tokens";
import { userWithPasskey } from "../helpers/accounts";
import { ORIGIN } from "../helpers/browser";
import { authorizeCode, exchangeCode, expectTokens, registerClient } from "../helpers/oidc-client";

const E = env as unknown as Env;
const config = getConfig(E);
const S = 1000;
const DAY = 24 * 60 * 60 * S;
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

async function sign(alg: SigningAlg, now: number, sub = "user-1"): Promise<string> {
  const k = await getSigningKey(E, config, alg, now);
  return new SignJWT({ sub })
    .setProtectedHeader({ alg: k.alg, kid: k.kid, typ: "JWT" })
    .setIssuer(config.issuer)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + 600)
    .sign(k.key);
}

async function verifyAt(token: string, jwks: { keys: JWK[] }, at: number) {
  return jwtVerify(token, createLocalJWKSet(jwks), { issuer: config.issuer, currentDate: new Date(at) });
}

/** The private key of a stored row, as the isolate that created it would hold it. */
async function storedPrivateKey(kid: string): Promise<CryptoKey> {
  const row = (await listSigningKeys(E)).find((r) => r.kid === kid)!;
  return (await importJWK(
    JSON.parse(await decryptString(config.keyEncryptionSecret, row.privateJwkEnc, kid)) as JWK,
    row.alg,
  )) as CryptoKey;
}

async function kidsAt(now: number): Promise<string[]> {
  return (await getPublicJwks(E, now)).keys.map((k) => k.kid!).sort();
}

beforeEach(async () => {
  await E.DB.exec("DELETE FROM signing_keys");
  clearSigningKeyCache();
});

describe("crypto-box", () => {
  it("round-trips and uses a fresh IV every time", async () => {
    const a = await encryptString(config.keyEncryptionSecret, "secret text", "kid-1");
    const b = await encryptString(config.keyEncryptionSecret, "secret text", "kid-1");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await decryptString(config.keyEncryptionSecret, a, "kid-1")).toBe("secret text");
  });

  it("wrong KEY_ENCRYPTION_SECRET: decryption fails", async () => {
    const sealed = await encryptString(config.keyEncryptionSecret, "secret text", "kid-1");
    await expect(decryptString("another-secret-of-at-least-32-characters!", sealed, "kid-1")).rejects.toThrow(
      /does not decrypt/,
    );
  });

  it("ciphertext moved to another row (other kid as AAD): decryption fails", async () => {
    const sealed = await encryptString(config.keyEncryptionSecret, "secret text", "kid-1");
    await expect(decryptString(config.keyEncryptionSecret, sealed, "kid-2")).rejects.toThrow(/does not decrypt/);
  });

  it("tampered ciphertext: decryption fails", async () => {
    const sealed = await encryptString(config.keyEncryptionSecret, "secret text", "kid-1");
    const flipped = sealed.slice(0, 20) + (sealed[20] === "A" ? "B" : "A") + sealed.slice(21);
    await expect(decryptString(config.keyEncryptionSecret, flipped, "kid-1")).rejects.toThrow();
    await expect(decryptString(config.keyEncryptionSecret, "AAAA", "kid-1")).rejects.toThrow(/too short/);
  });
});

describe("first need", () => {
  it("creates one ES256 key whose kid is its RFC 7638 thumbprint and whose private part is encrypted at rest", async () => {
    const now = Date.now();
    const k = await getSigningKey(E, config, "ES256", now);
    expect(k.alg).toBe("ES256");
    expect(k.key.extractable).toBe(false);
    const rows = (await listSigningKeys(E)).filter((r) => r.alg === "ES256");
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    const pub = JSON.parse(row.publicJwk) as JWK;
    expect(row.kid).toBe(k.kid);
    expect(await calculateJwkThumbprint(pub, "sha256")).toBe(k.kid);
    expect(pub).toMatchObject({ kty: "EC", crv: "P-256", kid: k.kid, use: "sig", alg: "ES256" });
    for (const m of PRIVATE_MEMBERS) expect(pub).not.toHaveProperty(m);
    // The stored private part is ciphertext: no JWK in clear, and it opens only under the secret and its own kid.
    expect(row.privateJwkEnc).not.toContain('"d"');
    const priv = JSON.parse(await decryptString(config.keyEncryptionSecret, row.privateJwkEnc, row.kid)) as JWK;
    expect(priv.d).toBeTypeOf("string");
    expect(priv.x).toBe(pub.x);
    expect(row).toMatchObject({ createdAt: now, signFrom: now, retiredAt: null, unpublishAt: null });
  });

  it("first key setup creates a key for every advertised algorithm at once: the first ES256 need also publishes a 2048-bit RS256 key", async () => {
    const now = Date.now();
    await getSigningKey(E, config, "ES256", now);
    const rows = await listSigningKeys(E);
    expect(rows.map((r) => r.alg).sort()).toEqual([...ID_TOKEN_ALGS].sort());
    for (const r of rows) expect(r).toMatchObject({ createdAt: now, signFrom: now });
    const k = await getSigningKey(E, config, "RS256", now);
    expect(await listSigningKeys(E)).toHaveLength(2);
    const jwk = (await getPublicJwks(E, now)).keys.find((j) => j.kid === k.kid)!;
    expect(jwk).toMatchObject({ kty: "RSA", e: "AQAB", use: "sig", alg: "RS256" });
    expect(Buffer.from(jwk.n!, "base64url").length * 8).toBe(2048);
    for (const m of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(m);
    const token = await sign("RS256", now);
    const { protectedHeader } = await verifyAt(token, await getPublicJwks(E, now), now);
    expect(protectedHeader).toMatchObject({ alg: "RS256", kid: k.kid });
  });

  it("a token it signs verifies against the published JWKS", async () => {
    const now = Date.now();
    const token = await sign("ES256", now);
    const { payload, protectedHeader } = await verifyAt(token, await getPublicJwks(E, now), now);
    expect(payload.sub).toBe("user-1");
    expect(protectedHeader.kid).toBe((await getSigningKey(E, config, "ES256", now)).kid);
  });

  it("concurrent first need in one isolate creates a single key per algorithm", async () => {
    const now = Date.now();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => getSigningKey(E, config, "ES256", now)));
    const [r] = await Promise.all([getSigningKey(E, config, "RS256", now), SELF.fetch(`${ORIGIN}/jwks.json`)]);
    expect(new Set([a!.kid, b!.kid, c!.kid]).size).toBe(1);
    expect((await listSigningKeys(E)).map((row) => row.kid).sort()).toEqual([a!.kid, r.kid].sort());
  });

  it("concurrent first need in two isolates: both keys are published, all isolates converge on one, rotation retires the other", async () => {
    const now = Date.now();
    // Two isolates each saw no key and inserted one.
    const kidA = await createSigningKey(E, config, "ES256", now, now);
    const kidB = await createSigningKey(E, config, "ES256", now, now);
    // Isolate A signed with its own key during its cache window.
    const tokenA = await new SignJWT({ sub: "u" })
      .setProtectedHeader({ alg: "ES256", kid: kidA })
      .setIssuer(config.issuer)
      .setExpirationTime(Math.floor(now / 1000) + 600)
      .sign(await storedPrivateKey(kidA));
    const chosen = (await getSigningKey(E, config, "ES256", now)).kid;
    clearSigningKeyCache();
    expect((await getSigningKey(E, config, "ES256", now)).kid).toBe(chosen);
    expect(await kidsAt(now)).toEqual([kidA, kidB].sort());

    const later = now + 60 * S;
    const { plan } = await rotateKeys(E, config, later);
    const loser = chosen === kidA ? kidB : kidA;
    expect(plan.retire.map((r) => r.kid)).toEqual([loser]);
    expect(plan.create.filter((c) => c.alg === "ES256")).toEqual([]);
    expect((await getSigningKey(E, config, "ES256", later)).kid).toBe(chosen);
    // The loser may have signed tokens: it stays published and they still verify.
    expect(await kidsAt(later)).toContain(loser);
    await verifyAt(tokenA, await getPublicJwks(E, later), later);
  });
});

/** A relying party's JWKS cache as jose keeps it: it refuses to refetch for 30 s after a fetch (cooldownDuration). */
function relyingPartyJwks() {
  return createRemoteJWKSet(new URL(`${ORIGIN}/jwks.json`), {
    [customFetch]: (url, init) => SELF.fetch(url, init as RequestInit),
  });
}

describe("every advertised algorithm has a published key before it signs (OIDC Core §10.1.1, Registration §2)", () => {
  it("no applicable key: a JWKS cache fetched before the first token of a fresh deployment verifies the first ID token and access token", async () => {
    expect(await listSigningKeys(E)).toEqual([]);
    const rp = relyingPartyJwks();
    await rp.reload();
    // The first answer already lists every algorithm discovery advertises.
    const discovery = (await (await SELF.fetch(`${ORIGIN}/.well-known/openid-configuration`)).json()) as {
      id_token_signing_alg_values_supported: string[];
    };
    const first = (await (await SELF.fetch(`${ORIGIN}/jwks.json`)).json()) as { keys: JWK[] };
    expect(first.keys.map((k) => k.alg).sort()).toEqual([...discovery.id_token_signing_alg_values_supported].sort());
    expect(rp.coolingDown).toBe(true);

    const { browser } = await userWithPasskey();
    const client = await registerClient();
    const tokens = await expectTokens(await exchangeCode(client, await authorizeCode(browser, client)));
    // OIDC Registration §2: without id_token_signed_response_alg the client gets RS256.
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe("RS256");
    await jwtVerify(tokens.id_token!, rp, { issuer: config.issuer, audience: client.client_id });
    await jwtVerify(tokens.access_token, rp, { issuer: config.issuer });
  });

  it("no applicable key: a JWKS cache kept alive across registering the first RS256 client verifies its first ID token", async () => {
    // The deployment has signed with ES256 only (an ES256 client's first token) when the relying party caches the JWKS.
    const { browser } = await userWithPasskey();
    const es = await registerClient({ id_token_signed_response_alg: "ES256" });
    const esTokens = await expectTokens(await exchangeCode(es, await authorizeCode(browser, es)));
    expect(decodeProtectedHeader(esTokens.id_token!).alg).toBe("ES256");
    const rp = relyingPartyJwks();
    await jwtVerify(esTokens.id_token!, rp, { issuer: config.issuer });
    expect(rp.coolingDown).toBe(true);

    const rs = await registerClient({ id_token_signed_response_alg: "RS256" });
    const rsTokens = await expectTokens(await exchangeCode(rs, await authorizeCode(browser, rs)));
    expect(decodeProtectedHeader(rsTokens.id_token!).alg).toBe("RS256");
    await jwtVerify(rsTokens.id_token!, rp, { issuer: config.issuer, audience: rs.client_id });
  });
});

describe("isolate cache", () => {
  it("a warm isolate signs without reading D1, and rereads after KEY_CACHE_TTL_S", async () => {
    const now = Date.now();
    const first = await getSigningKey(E, config, "ES256", now);
    // Remove the row behind the cache's back: within the TTL nothing notices.
    await E.DB.exec("DELETE FROM signing_keys");
    expect((await getSigningKey(E, config, "ES256", now + (KEY_CACHE_TTL_S - 1) * S)).kid).toBe(first.kid);
    expect((await getPublicJwks(E, now + (KEY_CACHE_TTL_S - 1) * S)).keys.map((k) => k.kid)).toContain(first.kid);
    // After the TTL the rows are read again (and, the table being empty, a new key is created on need).
    expect((await getPublicJwks(E, now + KEY_CACHE_TTL_S * S)).keys).toEqual([]);
    const second = await getSigningKey(E, config, "ES256", now + KEY_CACHE_TTL_S * S);
    expect(second.kid).not.toBe(first.kid);
  });

  it("a token from a key another isolate just created verifies here: an unknown kid rereads the keys, at most once per 5 s", async () => {
    const now = Date.now();
    expect(await verifyOwnJwt(E, config, await sign("ES256", now), now)).toMatchObject({
      ok: true,
      claims: { sub: "user-1" },
    });
    // Another isolate, finding no RS256 key, creates one that signs at once; this isolate's cache predates it.
    const signedElsewhere = async (kid: string) =>
      new SignJWT({ sub: "user-2" })
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setIssuer(config.issuer)
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(now / 1000) + 600)
        .sign(await storedPrivateKey(kid));
    const first = await createSigningKey(E, config, "RS256", now, now);
    expect(await verifyOwnJwt(E, config, await signedElsewhere(first), now + 1 * S)).toMatchObject({
      ok: true,
      claims: { sub: "user-2" },
    });
    // A second new key within 5 s of that reread waits for the next one (made-up kids cannot force D1 reads).
    const second = await createSigningKey(E, config, "RS256", now, now);
    const token = await signedElsewhere(second);
    expect(await verifyOwnJwt(E, config, token, now + 2 * S)).toEqual({ ok: false, reason: "unknown_key" });
    expect(await verifyOwnJwt(E, config, token, now + 7 * S)).toMatchObject({ ok: true, claims: { sub: "user-2" } });
  });

  it("wrong KEY_ENCRYPTION_SECRET: a row sealed under another secret cannot be used to sign", async () => {
    const now = Date.now();
    const other = { ...config, keyEncryptionSecret: "a-different-secret-of-at-least-32-chars" };
    await createSigningKey(E, other, "ES256", now, now);
    await expect(getSigningKey(E, config, "ES256", now)).rejects.toThrow(/does not decrypt/);
  });

  it("swapped ciphertext: a private key moved onto another key's row is refused", async () => {
    const now = Date.now();
    const a = await createSigningKey(E, config, "ES256", now - 10 * S, now - 10 * S);
    const b = await createSigningKey(E, config, "ES256", now, now);
    await E.DB.prepare(
      "UPDATE signing_keys SET private_jwk_enc = (SELECT private_jwk_enc FROM signing_keys WHERE kid = ?) WHERE kid = ?",
    )
      .bind(a, b)
      .run();
    await expect(getSigningKey(E, config, "ES256", now)).rejects.toThrow(/does not decrypt/);
  });
});

describe("rotation (time advanced through `now`)", () => {
  it("publishes the next key before it signs, keeps the old one while its tokens live, then removes it", async () => {
    const t0 = Date.UTC(2030, 0, 1);
    const a = (await getSigningKey(E, config, "ES256", t0)).kid;
    await getSigningKey(E, config, "RS256", t0);

    // Young keys: the cron changes nothing.
    expect((await rotateKeys(E, config, t0 + DAY)).plan).toEqual({ create: [], retire: [], delete: [] });

    // Rotation is due: a successor is published now but signs only after KEY_SIGN_LEAD_S.
    const t1 = t0 + KEY_ROTATE_AFTER_S * S;
    const { created } = await rotateKeys(E, config, t1);
    expect(created).toHaveLength(2);
    const rows = await listSigningKeys(E);
    const p = rows.find((r) => r.alg === "ES256" && r.kid !== a)!;
    expect(p).toMatchObject({ createdAt: t1, signFrom: t1 + KEY_SIGN_LEAD_S * S, retiredAt: null });
    // Every advertised algorithm gets its successor published ahead, not only ES256.
    expect(
      rows
        .filter((r) => r.createdAt === t1 && r.signFrom === t1 + KEY_SIGN_LEAD_S * S)
        .map((r) => r.alg)
        .sort(),
    ).toEqual(["ES256", "RS256"]);
    expect(await kidsAt(t1)).toContain(p.kid);
    expect((await getSigningKey(E, config, "ES256", t1)).kid).toBe(a);
    // The next cron run does not create a second successor.
    expect((await rotateKeys(E, config, t1 + 15 * 60 * S)).created).toEqual([]);

    // The last token the old key signs, one second before the switch.
    const t2 = p.signFrom - S;
    expect((await getSigningKey(E, config, "ES256", t2)).kid).toBe(a);
    const oldToken = await sign("ES256", t2);

    // From signFrom the successor signs, even before the cron has retired the old key.
    expect((await getSigningKey(E, config, "ES256", p.signFrom)).kid).toBe(p.kid);
    const newToken = await sign("ES256", p.signFrom);

    const t3 = p.signFrom + 5 * 60 * S;
    const { plan } = await rotateKeys(E, config, t3);
    const retiredA = plan.retire.find((r) => r.kid === a)!;
    expect(retiredA.retiredAt).toBe(p.signFrom);
    const rowA = (await listSigningKeys(E)).find((r) => r.kid === a)!;
    expect(rowA).toMatchObject({ retiredAt: p.signFrom, unpublishAt: retiredA.unpublishAt });

    // A token signed before rotation still verifies with the JWKS after rotation.
    expect(await kidsAt(t3)).toEqual(expect.arrayContaining([a, p.kid]));
    await verifyAt(oldToken, await getPublicJwks(E, t3), t3);
    await verifyAt(newToken, await getPublicJwks(E, t3), t3);
    // Still published up to its unpublish time, which is after the last token it signed has expired.
    expect(retiredA.unpublishAt).toBeGreaterThan(t2 + 600 * S);
    expect(await kidsAt(retiredA.unpublishAt - 1)).toContain(a);

    // Afterwards it leaves the JWKS, and the cron deletes the row.
    const t4 = retiredA.unpublishAt + 1;
    expect(await kidsAt(t4)).not.toContain(a);
    const after = await rotateKeys(E, config, t4);
    expect(after.plan.delete).toContain(a);
    expect((await listSigningKeys(E)).map((r) => r.kid)).not.toContain(a);
    // Even at a moment when its token would be unexpired, the JWKS no longer vouches for the old key.
    await expect(verifyAt(oldToken, await getPublicJwks(E, t4), t2 + S)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
    await verifyAt(newToken, await getPublicJwks(E, t4), p.signFrom + S);
  });
});

describe("cron and HTTP", () => {
  it("the scheduled handler rotates keys", async () => {
    const now = Date.now();
    await createSigningKey(E, config, "ES256", now - KEY_ROTATE_AFTER_S * S - DAY, now - KEY_ROTATE_AFTER_S * S - DAY);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(now), cron: "*/15 * * * *" }), E, ctx);
    await waitOnExecutionContext(ctx);
    const rows = await listSigningKeys(E);
    // A pending ES256 successor, and a first RS256 key.
    expect(rows.filter((r) => r.alg === "ES256" && r.signFrom === now + KEY_SIGN_LEAD_S * S)).toHaveLength(1);
    expect(rows.filter((r) => r.alg === "RS256")).toHaveLength(1);
  });

  it("GET /jwks.json serves every published key, cacheable, without private members; a token from before rotation verifies with it", async () => {
    const now = Date.now();
    // An old key, rotated an hour ago: both it and its successor must be served.
    const old = await createSigningKey(
      E,
      config,
      "ES256",
      now - KEY_ROTATE_AFTER_S * S - 2 * DAY,
      now - KEY_ROTATE_AFTER_S * S - 2 * DAY,
    );
    await rotateKeys(E, config, now - KEY_SIGN_LEAD_S * S - 60 * S);
    const signedAt = now - KEY_SIGN_LEAD_S * S - 30 * S;
    const token = await sign("ES256", signedAt);
    await rotateKeys(E, config, now);
    expect((await listSigningKeys(E)).find((r) => r.kid === old)?.retiredAt).not.toBeNull();

    const res = await SELF.fetch("http://localhost:8787/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const jwks = (await res.json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(old);
    expect(jwks.keys.filter((k) => k.alg === "ES256")).toHaveLength(2);
    for (const k of jwks.keys) {
      expect(k.use).toBe("sig");
      for (const m of PRIVATE_MEMBERS) expect(k).not.toHaveProperty(m);
    }
    const { protectedHeader } = await verifyAt(token, jwks, signedAt + S);
    expect(protectedHeader.kid).toBe(old);
  });
});
