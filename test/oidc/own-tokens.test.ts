/** verifyOwnJwt's typed result: each way a token fails is named, and an expired token is told apart from a bad one. */
import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { type Env, getConfig } from "../../src/config";
import { getSigningKey } from "../../src/keys/signing-keys";
import { claimsEvenIfExpired, verifyOwnJwt } from "../../src/oidc/own-tokens";

const E = env as unknown as Env;
const config = getConfig(E);
const YEAR_S = 365 * 24 * 3600;

async function sign(now: number, opts: { typ?: string; iss?: string; expIn?: number } = {}): Promise<string> {
  const k = await getSigningKey(E, config, "ES256", now);
  const s = Math.floor(now / 1000);
  return new SignJWT({ sub: "user-1" })
    .setProtectedHeader({ alg: k.alg, kid: k.kid, typ: opts.typ ?? "JWT" })
    .setIssuer(opts.iss ?? config.issuer)
    .setIssuedAt(s)
    .setExpirationTime(s + (opts.expIn ?? 600))
    .sign(k.key);
}

describe("verifyOwnJwt (RFC 7519 §7.2, RFC 8725 §3.11)", () => {
  it("a valid ID token: ok with its claims", async () => {
    const now = Date.now();
    expect(await verifyOwnJwt(E, config, await sign(now), now, { typ: "JWT" })).toMatchObject({
      ok: true,
      claims: { sub: "user-1" },
    });
  });

  it("expired (RFC 7519 §4.1.4): reason expired with the verified claims, usable as an id_token_hint", async () => {
    const now = Date.now();
    const result = await verifyOwnJwt(E, config, await sign(now), now + 601_000 + 5_000, { typ: "JWT" });
    expect(result).toMatchObject({ ok: false, reason: "expired", claims: { sub: "user-1" } });
    expect(claimsEvenIfExpired(result)?.sub).toBe("user-1");
  });

  it("expired years ago is still expired, not rejected as malformed (no clock tolerance stretched to accept it)", async () => {
    const now = Date.now();
    const result = await verifyOwnJwt(E, config, await sign(now), now + 20 * YEAR_S * 1000, { typ: "JWT" });
    expect(result).toMatchObject({ ok: false, reason: "expired" });
  });

  it("expired but tampered: signature, never expired, and no claims for a hint", async () => {
    const now = Date.now();
    const [h, p, sig] = (await sign(now)).split(".") as [string, string, string];
    const forged = `${h}.${p}.${sig.slice(0, -4)}${sig.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    const result = await verifyOwnJwt(E, config, forged, now + 3600_000, { typ: "JWT" });
    expect(result).toEqual({ ok: false, reason: "signature" });
    expect(claimsEvenIfExpired(result)).toBeNull();
  });

  it("an access token (typ at+jwt) offered as an ID token: wrong_type, even when expired", async () => {
    const now = Date.now();
    const at = await sign(now, { typ: "at+jwt" });
    expect(await verifyOwnJwt(E, config, at, now, { typ: "JWT" })).toEqual({ ok: false, reason: "wrong_type" });
    expect(await verifyOwnJwt(E, config, at, now + 3600_000, { typ: "JWT" })).toEqual({
      ok: false,
      reason: "wrong_type",
    });
  });

  it("another issuer: wrong_issuer; not a JWT at all: malformed", async () => {
    const now = Date.now();
    expect(await verifyOwnJwt(E, config, await sign(now, { iss: "https://evil.example" }), now)).toEqual({
      ok: false,
      reason: "wrong_issuer",
    });
    expect(await verifyOwnJwt(E, config, "not.a.jwt", now)).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyOwnJwt(E, config, "x".repeat(9000), now)).toEqual({ ok: false, reason: "malformed" });
  });
});
