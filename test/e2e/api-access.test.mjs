/**
 * API access against the built worker under wrangler dev, over real HTTP: an API registered through the admin API, a
 * machine client authenticating with private_key_jwt (oauth4webapi), a resource server that knows nothing but the
 * JWKS (jose createRemoteJWKSet), introspection by the API's own client, and the admin API through an OAuth token.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createRemoteJWKSet, errors, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { ADMIN_TOKEN, startStack } from "./harness.mjs";

const TIMEOUT = 120_000;

describe("API access: resources, client_credentials, private_key_jwt, introspection", { timeout: TIMEOUT * 2 }, () => {
  let stack;
  before(
    async () => {
      stack = await startStack("api-access");
    },
    { timeout: TIMEOUT },
  );
  after(async () => {
    await stack?.stop();
  });

  test("a machine client gets tokens a resource server verifies; replays and foreign audiences are refused", {
    timeout: TIMEOUT,
  }, async () => {
    const origin = stack.origin;
    const admin = async (method, path, body) => {
      const res = await fetch(`${origin}/admin/api${path}`, {
        method,
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      assert.ok(res.status < 300, `${method} ${path} answered ${res.status}: ${text}`);
      return text ? JSON.parse(text) : null;
    };
    const register = async (metadata) => {
      const res = await fetch(`${origin}/register`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ grant_types: ["client_credentials"], ...metadata }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return res.json();
    };

    // The API (and the client that runs it) through the admin API; a second API the machine has no grant on.
    const apiServer = await register({ client_name: "Orders API", token_endpoint_auth_method: "client_secret_basic" });
    const orders = await admin("POST", "/resources", {
      identifier: "https://orders.api.example/",
      name: "Orders",
      scopes: [
        { value: "orders:read", description: "Read your orders" },
        { value: "orders:write", description: "Place orders" },
      ],
      access_token_ttl_seconds: 600,
      introspection_clients: [apiServer.client_id],
    });
    const billing = await admin("POST", "/resources", { identifier: "https://billing.api.example/", name: "Billing" });

    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "machine-1", alg: "ES256", use: "sig" };
    const machine = await register({
      client_name: "Nightly export",
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "ES256",
      jwks: { keys: [jwk] },
    });
    assert.equal(machine.client_secret, undefined, "a private_key_jwt client gets no secret");
    await admin("PUT", `/clients/${machine.client_id}/grants/${orders.id}`, { scopes: ["orders:read"] });

    // oauth4webapi, the certified relying party library, as the machine client.
    const http = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      new URL(origin),
      await oauth.discoveryRequest(new URL(origin), http),
    );
    assert.ok(as.token_endpoint_auth_methods_supported.includes("private_key_jwt"));
    assert.ok(as.grant_types_supported.includes("client_credentials"));
    const rp = { client_id: machine.client_id };
    const auth = oauth.PrivateKeyJwt({ key: privateKey, kid: jwk.kid });
    const granted = await oauth.processClientCredentialsResponse(
      as,
      rp,
      await oauth.clientCredentialsGrantRequest(as, rp, auth, { resource: orders.identifier }, http),
    );
    assert.equal(granted.scope, "orders:read", "omitted scope: every granted scope of the resource");
    assert.equal(granted.expires_in, 600);
    assert.equal(granted.refresh_token, undefined);
    assert.equal(granted.id_token, undefined);

    // The resource server: the JWKS and nothing else (RFC 9068 §4).
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(granted.access_token, jwks, {
      issuer: origin,
      audience: orders.identifier,
      typ: "at+jwt",
    });
    assert.equal(protectedHeader.typ, "at+jwt");
    assert.equal(payload.sub, machine.client_id);
    assert.equal(payload.client_id, machine.client_id);
    assert.equal(payload.scope, "orders:read");
    assert.equal(payload.amr, undefined, "no user signed in: no amr");
    await assert.rejects(
      jwtVerify(granted.access_token, jwks, { issuer: origin, audience: billing.identifier, typ: "at+jwt" }),
      errors.JWTClaimValidationFailed,
      "another API refuses the token",
    );

    // A scope the machine was not granted, and an API it has no grant on.
    const refused = async (params, error) => {
      const res = await oauth.clientCredentialsGrantRequest(as, rp, auth, params, http);
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error, error);
    };
    await refused({ resource: orders.identifier, scope: "orders:write" }, "invalid_scope");
    await refused({ resource: billing.identifier }, "invalid_target");

    // RFC 7523 §3: one assertion, one use; and it must be addressed to this server.
    const assertion = (aud, jti = crypto.randomUUID()) =>
      new SignJWT({ jti })
        .setProtectedHeader({ alg: "ES256", kid: jwk.kid })
        .setIssuer(machine.client_id)
        .setSubject(machine.client_id)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime("2m")
        .sign(privateKey);
    const withAssertion = (jwt) =>
      fetch(`${origin}/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          resource: orders.identifier,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: jwt,
        }),
      });
    const once = await assertion(`${origin}/token`);
    assert.equal((await withAssertion(once)).status, 200);
    const replay = await withAssertion(once);
    assert.equal(replay.status, 401, "a replayed assertion is refused");
    assert.equal((await replay.json()).error, "invalid_client");
    const foreign = await withAssertion(await assertion("https://other-issuer.example/token"));
    assert.equal(foreign.status, 401, "an assertion for another audience is refused");

    // RFC 7662: the API's own client introspects; anyone else learns nothing.
    const introspect = async (client, secret, token) => {
      const res = await fetch(`${origin}/introspect`, {
        method: "POST",
        headers: {
          Authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString("base64")}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token }),
      });
      assert.equal(res.status, 200);
      return res.json();
    };
    const active = await introspect(apiServer.client_id, apiServer.client_secret, granted.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, machine.client_id);
    assert.equal(active.scope, "orders:read");
    assert.deepEqual(await introspect(apiServer.client_id, apiServer.client_secret, "not-a-token"), { active: false });

    // The admin API through OAuth: read-only scope reads, cannot write.
    await admin("PUT", `/clients/${apiServer.client_id}/grants/admin-api`, { scopes: ["admin:read"] });
    const ops = { client_id: apiServer.client_id };
    const adminToken = await oauth.processClientCredentialsResponse(
      as,
      ops,
      await oauth.clientCredentialsGrantRequest(
        as,
        ops,
        oauth.ClientSecretBasic(apiServer.client_secret),
        { resource: `${origin}/admin/api` },
        http,
      ),
    );
    const asMachine = (method, path, body) =>
      fetch(`${origin}/admin/api${path}`, {
        method,
        headers: { Authorization: `Bearer ${adminToken.access_token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    assert.equal((await asMachine("GET", "/resources")).status, 200);
    const write = await asMachine("POST", "/resources", { identifier: "https://x.api.example/", name: "X" });
    assert.equal(write.status, 403);
    assert.match(write.headers.get("content-type") ?? "", /application\/problem\+json/);
  });
});
