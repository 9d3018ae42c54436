/**
 * private_key_jwt with a jwks_uri (RFC 7591 §2): the client's keys fetched with a timeout and a size limit, cached,
 * refetched (rate-limited) for an unknown kid; a failed fetch is invalid_client, never a 5xx. The token endpoint is
 * reduced to client authentication in this isolate, so its outbound fetch can be answered by the test.
 */
import { env } from "cloudflare:test";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AppEnv } from "../../src/app-types";
import { type Env, getConfig } from "../../src/config";
import { errorResponse } from "../../src/errors";
import { readForm } from "../../src/lib/body";
import { JWT_BEARER_ASSERTION_TYPE } from "../../src/oidc/capabilities";
import { authenticateClient } from "../../src/oidc/client-auth";
import { clearJwksCache, JWKS_CACHE_TTL_S, JWKS_REFETCH_MIN_INTERVAL_S } from "../../src/oidc/client-jwks";
import { ISSUER, registerClient } from "../helpers/oidc-client";

const E = env as unknown as Env;
const JWKS_URI = "https://keys.rp.example/jwks.json";

const endpoint = new Hono<AppEnv>();
endpoint.use("*", async (c, next) => {
  c.set("config", getConfig(c.env));
  await next();
});
endpoint.post("/token", async (c) => {
  const now = Number(c.req.header("x-test-now") ?? Date.now());
  const client = await authenticateClient(c, await readForm(c), now);
  return c.json({ client_id: client.id });
});
endpoint.onError((err) => errorResponse(err));

let clientId: string;
let k1: CryptoKey;
let k2: CryptoKey;
let jwk1: JWK;
let jwk2: JWK;
let served: () => Response | Promise<Response>;
let fetches: string[];

beforeAll(async () => {
  const a = await generateKeyPair("ES256");
  const b = await generateKeyPair("EdDSA");
  k1 = a.privateKey;
  k2 = b.privateKey;
  jwk1 = { ...(await exportJWK(a.publicKey)), kid: "k1" };
  jwk2 = { ...(await exportJWK(b.publicKey)), kid: "k2" };
});

beforeEach(async () => {
  clearJwksCache();
  clientId = (await registerClient({ token_endpoint_auth_method: "private_key_jwt", jwks_uri: JWKS_URI })).client_id;
  fetches = [];
  served = () => Response.json({ keys: [jwk1] });
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    fetches.push(url);
    expect(init?.redirect).toBe("manual");
    return served();
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function authenticate(key: CryptoKey, header: { alg: string; kid: string }, now = Date.now()) {
  const nowS = Math.floor(now / 1000);
  const jwt = await new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader(header)
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(ISSUER)
    .setExpirationTime(nowS + 60)
    .sign(key);
  return endpoint.request(
    `${ISSUER}/token`,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-test-now": String(now) },
      body: new URLSearchParams({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: jwt }).toString(),
    },
    E,
  );
}

async function expectOk(res: Response) {
  expect(res.status, await res.clone().text()).toBe(200);
}

async function expectInvalidClient(res: Response) {
  expect(res.status).toBe(401);
  expect(((await res.json()) as { error: string }).error).toBe("invalid_client");
}

describe("jwks_uri", () => {
  it("is fetched once and then served from the cache", async () => {
    await expectOk(await authenticate(k1, { alg: "ES256", kid: "k1" }));
    await expectOk(await authenticate(k1, { alg: "ES256", kid: "k1" }));
    expect(fetches).toEqual([JWKS_URI]);
    // Past its lifetime the set is fetched again.
    await expectOk(await authenticate(k1, { alg: "ES256", kid: "k1" }, Date.now() + (JWKS_CACHE_TTL_S + 1) * 1000));
    expect(fetches).toHaveLength(2);
  });

  it("an unknown kid refetches once, at most every JWKS_REFETCH_MIN_INTERVAL_S (a rotated key is picked up)", async () => {
    await expectOk(await authenticate(k1, { alg: "ES256", kid: "k1" }));
    served = () => Response.json({ keys: [jwk1, jwk2] });
    // Just fetched: the unknown kid does not make us fetch again.
    await expectInvalidClient(await authenticate(k2, { alg: "EdDSA", kid: "k2" }));
    expect(fetches).toHaveLength(1);
    const later = Date.now() + (JWKS_REFETCH_MIN_INTERVAL_S + 1) * 1000;
    await expectOk(await authenticate(k2, { alg: "EdDSA", kid: "k2" }, later));
    expect(fetches).toHaveLength(2);
  });

  it("a server that does not answer in time is invalid_client, not a 5xx", async () => {
    vi.mocked(globalThis.fetch).mockImplementation(
      (_input, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    );
    const started = Date.now();
    await expectInvalidClient(await authenticate(k1, { alg: "ES256", kid: "k1" }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  }, 10_000);

  it("an oversized body, declared or streamed, is invalid_client", async () => {
    const big = JSON.stringify({ keys: [jwk1], pad: "x".repeat(70 * 1024) });
    served = () => new Response(big, { headers: { "content-type": "application/json" } });
    await expectInvalidClient(await authenticate(k1, { alg: "ES256", kid: "k1" }));
    served = () => {
      const bytes = new TextEncoder().encode(big);
      return new Response(
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
            controller.close();
          },
        }),
      );
    };
    await expectInvalidClient(await authenticate(k1, { alg: "ES256", kid: "k1" }));
  });

  it("a redirect, an error status, non-JSON or a set with a private key is invalid_client", async () => {
    const answers: (() => Response)[] = [
      () => new Response(null, { status: 302, headers: { location: "http://127.0.0.1/jwks" } }),
      () => new Response("nope", { status: 500 }),
      () => new Response("<html>", { status: 200 }),
      () => Response.json({ keys: [{ ...jwk1, d: "private" }] }),
      () => Response.json({ keys: "none" }),
    ];
    for (const answer of answers) {
      clearJwksCache();
      served = answer;
      await expectInvalidClient(await authenticate(k1, { alg: "ES256", kid: "k1" }));
    }
  });
});
