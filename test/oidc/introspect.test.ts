/**
 * Token introspection (RFC 7662) through the Worker: who may introspect what, and `{"active": false}` alone for
 * expired, revoked, foreign and malformed tokens.
 */
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { signJwt } from "../../src/oidc/own-tokens";
import { clientTokenClaims } from "../../src/oidc/token-claims";
import { signUp } from "../helpers/accounts";
import { adminCall } from "../helpers/admin-api";
import { ORIGIN, type TestBrowser } from "../helpers/browser";
import {
  createApi,
  createMachineClient,
  grantScopes,
  type MachineClient,
  machineToken,
  postAsClient,
  type TestApi,
} from "../helpers/machine-client";
import { expectTokens, refresh, registerClient, signInTokens, testEnv, userIdOf } from "../helpers/oidc-client";

let browser: TestBrowser;
let api: TestApi;
let introspector: MachineClient;
let machine: MachineClient;
let web: MachineClient;

const introspect = (as: MachineClient, token: string, extra: Record<string, string> = {}) =>
  postAsClient("/introspect", as, { token, ...extra });

beforeAll(async () => {
  ({ browser } = await signUp());
  api = await createApi(["orders:read", "orders:write"]);
  introspector = await createMachineClient({ client_name: "Orders API (introspection)" });
  machine = await createMachineClient();
  await grantScopes(machine.client_id, api.id, ["orders:read"]);
  const registered = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
  web = { client_id: registered.client_id, client_secret: registered.client_secret! };
  await grantScopes(web.client_id, api.id, ["orders:read"]);
  const patched = await adminCall("PATCH", `/resources/${api.id}`, { introspection_clients: [introspector.client_id] });
  expect(patched.status).toBe(200);
});

async function userTokens(resource: string | null) {
  const registered = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
  const extra: Record<string, string> = resource === null ? {} : { resource };
  return { registered, ...(await signInTokens(browser, registered, { scope: "openid orders:read", extra })) };
}

describe("POST /introspect", () => {
  it("a client_credentials token, to a client the resource allows: active with its claims", async () => {
    const token = await machineToken(machine, api);
    const res = await introspect(introspector, token, { token_type_hint: "access_token" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body).toMatchObject({
      active: true,
      token_type: "Bearer",
      iss: ORIGIN,
      sub: machine.client_id,
      client_id: machine.client_id,
      aud: api.identifier,
      scope: "orders:read",
    });
    expect(typeof res.body.exp).toBe("number");
    expect(typeof res.body.jti).toBe("string");
  });

  it("a user's access token for the resource: active, with the person and how they signed in", async () => {
    const registered = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    await grantScopes(registered.client_id, api.id, ["orders:read"]);
    const { tokens } = await signInTokens(browser, registered, {
      scope: "openid orders:read",
      extra: { resource: api.identifier },
    });
    const res = await introspect(introspector, tokens.access_token);
    expect(res.body).toMatchObject({
      active: true,
      sub: userIdOf(browser),
      client_id: registered.client_id,
      aud: api.identifier,
      scope: "openid orders:read",
    });
    expect(typeof res.body.auth_time).toBe("number");
    expect(Array.isArray(res.body.amr)).toBe(true);
  });

  it("another client's token: a client the resource does not allow learns nothing", async () => {
    const token = await machineToken(machine, api);
    expect((await introspect(web, token)).body).toEqual({ active: false });
    expect((await introspect(machine, token)).body).toEqual({ active: false });
  });

  it("a userinfo token (aud the issuer) is described to the client it was issued to only", async () => {
    const { registered, tokens } = await userTokens(null);
    const own = { client_id: registered.client_id, client_secret: registered.client_secret! };
    expect((await introspect(own, tokens.access_token)).body).toMatchObject({ active: true, aud: ORIGIN });
    expect((await introspect(introspector, tokens.access_token)).body).toEqual({ active: false });
  });

  it("revoked access tokens (client's and user's) answer active: false", async () => {
    const token = await machineToken(machine, api);
    expect((await introspect(introspector, token)).body.active).toBe(true);
    expect((await postAsClient("/revoke", machine, { token })).status).toBe(200);
    expect((await introspect(introspector, token)).body).toEqual({ active: false });

    const { registered, tokens } = await userTokens(null);
    const own = { client_id: registered.client_id, client_secret: registered.client_secret! };
    expect((await postAsClient("/revoke", own, { token: tokens.access_token })).status).toBe(200);
    expect((await introspect(own, tokens.access_token)).body).toEqual({ active: false });
  });

  it("an expired token signed with our own key answers active: false (the same token unexpired is active)", async () => {
    const config = getConfig(testEnv);
    const now = Date.now();
    const sign = (issuedAt: number) =>
      signJwt(
        testEnv,
        config,
        "ES256",
        "at+jwt",
        clientTokenClaims(
          config.issuer,
          machine.client_id,
          new Set(["orders:read"]),
          { audience: api.identifier, ttlS: 60 },
          crypto.randomUUID(),
          issuedAt,
        ),
        now,
      );
    expect((await introspect(introspector, await sign(now))).body.active).toBe(true);
    expect((await introspect(introspector, await sign(now - 3600_000))).body).toEqual({ active: false });
  });

  it("garbage answers active: false; a missing token is invalid_request; the caller must authenticate", async () => {
    for (const token of ["garbage", "a.b.c", "x".repeat(9000), "user.secret", "eyJhbGciOiJub25lIn0.e30."]) {
      const res = await introspect(introspector, token);
      expect([res.status, res.body], token.slice(0, 20)).toEqual([200, { active: false }]);
    }
    const missing = await postAsClient("/introspect", introspector, {});
    expect([missing.status, missing.body.error]).toEqual([400, "invalid_request"]);
    const anonymous = await SELF.fetch(`${ORIGIN}/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=abc",
    });
    expect(anonymous.status).toBe(401);
    const wrong = await introspect({ client_id: introspector.client_id, client_secret: "wrong" }, "abc");
    expect([wrong.status, wrong.body.error]).toEqual([401, "invalid_client"]);
    const pub = await registerClient();
    const publicCall = await SELF.fetch(`${ORIGIN}/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: pub.client_id, token: "abc" }).toString(),
    });
    expect(publicCall.status).toBe(401);
  });

  it("a refresh token is described to its own client only; once rotated it is no longer active", async () => {
    const registered = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    const own = { client_id: registered.client_id, client_secret: registered.client_secret! };
    const { tokens } = await signInTokens(browser, registered, { scope: "openid email" });
    expect(tokens.refresh_token).toBeTruthy();
    const res = await introspect(own, tokens.refresh_token!, { token_type_hint: "refresh_token" });
    expect(res.body).toMatchObject({
      active: true,
      sub: userIdOf(browser),
      client_id: registered.client_id,
      scope: "openid email",
    });
    expect(res.body.exp as number).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect((await introspect(introspector, tokens.refresh_token!)).body).toEqual({ active: false });
    const next = await expectTokens(await refresh(registered, tokens.refresh_token!));
    expect((await introspect(own, tokens.refresh_token!)).body).toEqual({ active: false });
    expect((await introspect(own, next.refresh_token!)).body.active).toBe(true);
  });
});
