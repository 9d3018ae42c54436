/**
 * The client_credentials grant (RFC 6749 §4.4): the pure choice of API and scope, then through the Worker with
 * oauth4webapi as the client (client_secret_basic and private_key_jwt), the tokens verified as a resource server
 * would verify them, and every refusal.
 */
import { SELF } from "cloudflare:test";
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { OAuthError } from "../../../src/errors";
import { JWT_BEARER_ASSERTION_TYPE } from "../../../src/oidc/capabilities";
import { machineTarget } from "../../../src/oidc/grants/client-credentials";
import type { ResourceServer } from "../../../src/oidc/resource-registry";
import { adminCall } from "../../helpers/admin-api";
import { waitForEvents } from "../../helpers/audit";
import { ORIGIN } from "../../helpers/browser";
import {
  clientCredentials,
  createApi,
  createMachineClient,
  grantScopes,
  machineToken,
} from "../../helpers/machine-client";
import { ISSUER, registerClient } from "../../helpers/oidc-client";

function api(id: string, scopes: string[]): ResourceServer {
  return {
    id,
    identifier: `https://${id}.example/`,
    name: id,
    scopes: scopes.map((value) => ({ value, description: value })),
    accessTokenTtlS: 600,
    introspectionClients: [],
    builtIn: false,
  };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof OAuthError) return e.code;
    throw e;
  }
  return "none";
}

describe("machineTarget (pure)", () => {
  const orders = api("orders", ["orders:read", "orders:write"]);
  const billing = api("billing", ["billing:read"]);
  const resources = [orders, billing];

  it("a client granted one API may omit resource; without scope the token has the whole grant", () => {
    const grants = new Map([["orders", new Set(["orders:read", "orders:write"])]]);
    const t = machineTarget(resources, grants, null, undefined);
    expect(t.resource.id).toBe("orders");
    expect([...t.scope]).toEqual(["orders:read", "orders:write"]);
  });

  it("a narrower scope is kept as asked; a wider one is invalid_scope (RFC 6749 §5.2)", () => {
    const grants = new Map([["orders", new Set(["orders:read"])]]);
    expect([...machineTarget(resources, grants, orders.identifier, "orders:read").scope]).toEqual(["orders:read"]);
    expect(refusal(() => machineTarget(resources, grants, orders.identifier, "orders:read orders:write"))).toBe(
      "invalid_scope",
    );
    expect(refusal(() => machineTarget(resources, grants, null, "openid"))).toBe("invalid_scope");
  });

  it("RFC 8707 invalid_target: no grant, several grants and no resource, an unknown or ungranted resource", () => {
    const two = new Map([
      ["orders", new Set<string>()],
      ["billing", new Set<string>()],
    ]);
    expect(refusal(() => machineTarget(resources, new Map(), null, undefined))).toBe("invalid_target");
    expect(refusal(() => machineTarget(resources, two, null, undefined))).toBe("invalid_target");
    expect(refusal(() => machineTarget(resources, two, "https://unknown.example/", undefined))).toBe("invalid_target");
    const one = new Map([["orders", new Set<string>()]]);
    expect(refusal(() => machineTarget(resources, one, billing.identifier, undefined))).toBe("invalid_target");
    expect(machineTarget(resources, two, billing.identifier, undefined).resource.id).toBe("billing");
  });
});

const fetchSelf: typeof fetch = (input, init) => SELF.fetch(input as RequestInfo, init);
const http = { [oauth.customFetch]: fetchSelf, [oauth.allowInsecureRequests]: true };

async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  return oauth.processDiscoveryResponse(new URL(ISSUER), await oauth.discoveryRequest(new URL(ISSUER), http));
}

/** Verifies an access token as a resource server does (RFC 9068 §4): JWKS, issuer, audience, typ. */
async function verifyAsResourceServer(token: string, audience: string) {
  const jwks = (await (await SELF.fetch(`${ORIGIN}/jwks.json`)).json()) as Parameters<typeof createLocalJWKSet>[0];
  return jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience, typ: "at+jwt" });
}

describe("client_credentials through the token endpoint", () => {
  it("oauth4webapi with client_secret_basic: an RFC 9068 token for the API, no refresh or ID token", async () => {
    const orders = await createApi(["orders:read", "orders:write"], { access_token_ttl_seconds: 900 });
    const client = await createMachineClient();
    await grantScopes(client.client_id, orders.id, ["orders:read", "orders:write"]);
    const as = await authorizationServer();
    expect(as.grant_types_supported).toContain("client_credentials");
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: client.client_id },
      oauth.ClientSecretBasic(client.client_secret!),
      { resource: orders.identifier, scope: "orders:read" },
      http,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, { client_id: client.client_id }, res);
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.expires_in).toBe(900);
    expect(tokens.scope).toBe("orders:read");
    const { payload, protectedHeader } = await verifyAsResourceServer(tokens.access_token, orders.identifier);
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload).toMatchObject({ iss: ISSUER, sub: client.client_id, client_id: client.client_id });
    expect(payload.scope).toBe("orders:read");
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(typeof payload.jti).toBe("string");
    // No person signed in: no auth_time, amr, sid or grant id.
    for (const claim of ["auth_time", "amr", "acr", "sid", "gid"]) expect(payload).not.toHaveProperty(claim);
    // RFC 8707: the token is for this API only.
    await expect(verifyAsResourceServer(tokens.access_token, `${ISSUER}`)).rejects.toThrow();
    const events = await waitForEvents({ type: "token.issued", clientId: client.client_id }, ["token.issued"]);
    expect(events[0]!.detail).toMatchObject({ grant_type: "client_credentials", resource: orders.identifier });
  });

  it("without resource a client granted exactly one API gets a token for it, with all its granted scopes", async () => {
    const orders = await createApi(["orders:read", "orders:write"]);
    const client = await createMachineClient();
    await grantScopes(client.client_id, orders.id, ["orders:read"]);
    const res = await clientCredentials(client);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.scope).toBe("orders:read");
    expect((await verifyAsResourceServer(res.body.access_token as string, orders.identifier)).payload.scope).toBe(
      "orders:read",
    );
  });

  it("refusals: invalid_scope beyond the grant, invalid_target for unknown or ungranted APIs", async () => {
    const orders = await createApi(["orders:read", "orders:write"]);
    const other = await createApi(["other:read"]);
    const client = await createMachineClient();
    await grantScopes(client.client_id, orders.id, ["orders:read"]);
    const wider = await clientCredentials(client, { resource: orders.identifier, scope: "orders:read orders:write" });
    expect([wider.status, wider.body.error]).toEqual([400, "invalid_scope"]);
    const oidc = await clientCredentials(client, { resource: orders.identifier, scope: "openid" });
    expect([oidc.status, oidc.body.error]).toEqual([400, "invalid_scope"]);
    const unknown = await clientCredentials(client, { resource: "https://nobody.example/" });
    expect([unknown.status, unknown.body.error]).toEqual([400, "invalid_target"]);
    const ungranted = await clientCredentials(client, { resource: other.identifier });
    expect([ungranted.status, ungranted.body.error]).toEqual([400, "invalid_target"]);
    const malformed = await clientCredentials(client, { resource: "not a uri" });
    expect([malformed.status, malformed.body.error]).toEqual([400, "invalid_target"]);
    await grantScopes(client.client_id, other.id, ["other:read"]);
    const ambiguous = await clientCredentials(client);
    expect([ambiguous.status, ambiguous.body.error]).toEqual([400, "invalid_target"]);
  });

  it("a grant narrowed by an administrator narrows the next token at once", async () => {
    const orders = await createApi(["orders:read", "orders:write"]);
    const client = await createMachineClient();
    await grantScopes(client.client_id, orders.id, ["orders:read", "orders:write"]);
    expect((await clientCredentials(client)).body.scope).toBe("orders:read orders:write");
    await grantScopes(client.client_id, orders.id, ["orders:read"]);
    expect((await clientCredentials(client)).body.scope).toBe("orders:read");
    expect((await adminCall("DELETE", `/clients/${client.client_id}/grants/${orders.id}`)).status).toBe(204);
    expect((await clientCredentials(client)).body.error).toBe("invalid_target");
  });

  it("a client not registered for client_credentials is unauthorized_client; a deleted one invalid_client", async () => {
    const orders = await createApi(["orders:read"]);
    const web = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    await grantScopes(web.client_id, orders.id, ["orders:read"]);
    const res = await clientCredentials(web);
    expect([res.status, res.body.error]).toEqual([400, "unauthorized_client"]);
    const machine = await createMachineClient();
    await grantScopes(machine.client_id, orders.id, ["orders:read"]);
    await machineToken(machine, orders);
    expect((await adminCall("DELETE", `/clients/${machine.client_id}`)).status).toBe(204);
    const gone = await clientCredentials(machine);
    expect([gone.status, gone.body.error]).toEqual([401, "invalid_client"]);
  });

  it("oauth4webapi with private_key_jwt; a replayed assertion and one for another audience are refused", async () => {
    const orders = await createApi(["orders:read"]);
    const pair = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "machine-1", use: "sig" };
    const client = await createMachineClient({
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "ES256",
      jwks: { keys: [jwk] },
    });
    expect(client.client_secret).toBeUndefined();
    await grantScopes(client.client_id, orders.id, ["orders:read"]);
    const as = await authorizationServer();
    const rp = { client_id: client.client_id };
    const auth = oauth.PrivateKeyJwt({ key: pair.privateKey, kid: "machine-1" });
    const res = await oauth.clientCredentialsGrantRequest(as, rp, auth, { resource: orders.identifier }, http);
    const tokens = await oauth.processClientCredentialsResponse(as, rp, res);
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe("at+jwt");
    expect((await verifyAsResourceServer(tokens.access_token, orders.identifier)).payload.sub).toBe(client.client_id);

    const now = Math.floor(Date.now() / 1000);
    const assertion = (aud: string) =>
      new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: "ES256", kid: "machine-1" })
        .setIssuer(client.client_id)
        .setSubject(client.client_id)
        .setAudience(aud)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(pair.privateKey);
    const post = (jwt: string) =>
      SELF.fetch(`${ORIGIN}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
          client_assertion: jwt,
        }).toString(),
      });
    const once = await assertion(`${ISSUER}/token`);
    expect((await post(once)).status).toBe(200);
    // RFC 7523 §3 item 7: the jti is accepted once.
    const replay = await post(once);
    expect([replay.status, ((await replay.json()) as { error: string }).error]).toEqual([401, "invalid_client"]);
    // RFC 7523 §3 item 3: the audience is this server.
    const foreign = await post(await assertion("https://other-issuer.example/token"));
    expect([foreign.status, ((await foreign.json()) as { error: string }).error]).toEqual([401, "invalid_client"]);
  });
});

describe("machine client registration (RFC 7591)", () => {
  it("needs no redirect_uris and has no response types; refused for public clients", async () => {
    const created = await createMachineClient();
    const stored = await adminCall("GET", `/clients/${created.client_id}`);
    expect(stored.body).toMatchObject({ grant_types: ["client_credentials"], response_types: [], redirect_uris: [] });
    const renamed = await adminCall("PATCH", `/clients/${created.client_id}`, { client_name: "Renamed" });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    const open = await SELF.fetch(`${ORIGIN}/register`, {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ grant_types: ["client_credentials"], token_endpoint_auth_method: "none" }),
    });
    expect(open.status).toBe(400);
    expect(((await open.json()) as { error: string }).error).toBe("invalid_client_metadata");
  });
});
