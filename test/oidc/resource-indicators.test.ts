/**
 * RFC 8707 resource indicators in the authorization code flow: `resource` at /authorize picks a registered API the
 * client holds a grant on, its scopes are shown on the consent page with their descriptions, and the access token's
 * aud, lifetime and scope follow the resource, the client grant (re-checked at refresh) and the person's consent.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { userWithPasskey } from "../helpers/accounts";
import { adminCall } from "../helpers/admin-api";
import type { TestBrowser } from "../helpers/browser";
import {
  authorizeCode,
  authorizePath,
  exchangeCode,
  expectTokens,
  ISSUER,
  pkce,
  redirectParams,
  refresh,
  registerClient,
  type TestClient,
  userIdOf,
  userinfo,
  userStub,
  verifyJwt,
} from "../helpers/oidc-client";

const HTML = { accept: "text/html" };

interface Api {
  id: string;
  identifier: string;
}

async function createApi(ttl = 900): Promise<Api> {
  const res = await adminCall("POST", "/resources", {
    identifier: `https://orders-${crypto.randomUUID().slice(0, 8)}.example/api`,
    name: "Orders API",
    access_token_ttl_seconds: ttl,
    scopes: [
      { value: "orders:read", description: "Read your orders" },
      { value: "orders:write", description: "Place orders in your name" },
      { value: "orders:admin", description: "Manage every order" },
    ],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Api;
}

async function grant(client: TestClient, api: Api, scopes: string[]): Promise<void> {
  const res = await adminCall("PUT", `/clients/${client.client_id}/grants/${api.id}`, { scopes });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Authorizes `scope` for `api` through the consent page (Allow); returns the code exchange's tokens. */
async function consentAndExchange(browser: TestBrowser, client: TestClient, api: Api, scope: string) {
  const verifier = await pkce();
  const page = await browser.fetch(
    authorizePath(client, { pkce: verifier, scope, extra: { resource: api.identifier } }),
    {
      headers: HTML,
    },
  );
  expect(page.status).toBe(200);
  const html = await page.text();
  const rid = /name="rid" value="([^"]+)"/.exec(html)![1]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const allowed = await browser.fetch("/authorize/consent", {
    method: "POST",
    form: { csrf, rid, decision: "allow" },
    headers: HTML,
  });
  const params = redirectParams(allowed);
  const auth = { code: params.code!, state: params.state!, nonce: "", pkce: verifier, params };
  return { html, auth };
}

async function expectOAuthError(res: Response, error: string): Promise<void> {
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe(error);
}

let browser: TestBrowser;
beforeAll(async () => {
  ({ browser } = await userWithPasskey());
});

describe("resource indicators in the code flow (RFC 8707)", () => {
  it("authorize with a resource and API scopes: consent lists their descriptions, the token's aud, scope and exp follow the resource", async () => {
    const api = await createApi(900);
    const client = await registerClient({ first_party: false, client_name: "Shop" });
    await grant(client, api, ["orders:read", "orders:write"]);
    const { html, auth } = await consentAndExchange(browser, client, api, "openid email orders:read");
    expect(html).toContain("Orders API");
    expect(html).toContain("Read your orders");
    expect(html).not.toContain("Place orders in your name");
    const tokens = await expectTokens(await exchangeCode(client, auth));
    const { payload } = await verifyJwt(tokens.access_token, { typ: "at+jwt", audience: api.identifier });
    expect(payload.scope).toBe("openid email orders:read");
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(tokens.scope).toBe("openid email orders:read");
    // The ID token is unchanged: for the client, with the scoped claims.
    const id = await verifyJwt(tokens.id_token!, { audience: client.client_id });
    expect(id.payload.email).toBeDefined();
    // Userinfo takes only tokens for the issuer (RFC 9068 §4 aud).
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    // Consent is per resource: stored namespaced, and the next request for it is not asked again.
    expect(await userStub(userIdOf(browser)).getConsent(client.client_id)).toContain(`${api.identifier}#orders:read`);
    await authorizeCode(browser, client, { scope: "openid orders:read", extra: { resource: api.identifier } });
  });

  it("consent to an API scope of one resource is not consent to the same scope of another", async () => {
    const [a, b] = [await createApi(), await createApi()];
    const client = await registerClient({ first_party: false, client_name: "Shop" });
    await grant(client, a, ["orders:read"]);
    await grant(client, b, ["orders:read"]);
    await consentAndExchange(browser, client, a, "openid orders:read");
    const res = await browser.fetch(
      authorizePath(client, { pkce: await pkce(), scope: "openid orders:read", extra: { resource: b.identifier } }),
      { headers: HTML },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Allow Shop?");
  });

  it("scope narrowing: requested ⊄ granted is invalid_scope; consented scopes only in user tokens", async () => {
    const api = await createApi();
    const client = await registerClient({ first_party: false, client_name: "Shop" });
    await grant(client, api, ["orders:read", "orders:write"]);
    // RFC 6749 §4.1.2.1: orders:admin is defined by the API but not granted to this client.
    const refused = await browser.fetch(
      authorizePath(client, {
        pkce: await pkce(),
        scope: "openid orders:read orders:admin",
        extra: { resource: api.identifier },
      }),
      { headers: HTML },
    );
    const params = redirectParams(refused);
    expect(params.error).toBe("invalid_scope");
    expect(params.error_description).toContain("orders:admin");
    expect(params.iss).toBe(ISSUER);
    // Granted orders:write but consented only to orders:read: the token has what was consented, nothing more.
    const { auth } = await consentAndExchange(browser, client, api, "openid orders:read");
    const tokens = await expectTokens(await exchangeCode(client, auth));
    const { payload } = await verifyJwt(tokens.access_token, { audience: api.identifier });
    expect(String(payload.scope).split(" ")).not.toContain("orders:write");
    expect(payload.scope).toBe("openid orders:read");
    // A wider scope at refresh is refused (RFC 6749 §6), without spending the token.
    await expectOAuthError(
      await refresh(client, tokens.refresh_token!, { scope: "openid orders:write" }),
      "invalid_scope",
    );
    const narrowed = await expectTokens(await refresh(client, tokens.refresh_token!, { scope: "orders:read" }));
    expect((await verifyJwt(narrowed.access_token, { audience: api.identifier })).payload.scope).toBe("orders:read");
  });

  it("an unknown resource, a malformed one, one without a grant or the built-in admin API are invalid_target, redirected", async () => {
    const api = await createApi();
    const client = await registerClient({ first_party: false, client_name: "Shop" });
    for (const resource of [
      "https://unknown.example/api",
      "https://orders.example/api#frag",
      "not a uri",
      api.identifier,
      `${ISSUER}/admin/api`,
    ]) {
      const res = await browser.fetch(
        authorizePath(client, { pkce: await pkce(), scope: "openid", state: "t1", extra: { resource } }),
        { headers: HTML },
      );
      const params = redirectParams(res);
      expect(params, resource).toMatchObject({ error: "invalid_target", state: "t1", iss: ISSUER });
    }
  });

  it("without a resource, API scopes are ignored and the token is for the issuer", async () => {
    const api = await createApi();
    const client = await registerClient();
    await grant(client, api, ["orders:read"]);
    const auth = await authorizeCode(browser, client, { scope: "openid orders:read" });
    const tokens = await expectTokens(await exchangeCode(client, auth));
    const { payload } = await verifyJwt(tokens.access_token, { audience: ISSUER });
    expect(payload.scope).toBe("openid");
    expect((await userinfo(tokens.access_token)).status).toBe(200);
  });

  it("a resource at /token other than the authorized one is invalid_target (RFC 8707 §2.2); the same one or none is fine", async () => {
    const [api, other] = [await createApi(), await createApi()];
    const client = await registerClient();
    await grant(client, api, ["orders:read"]);
    await grant(client, other, ["orders:read"]);
    const scope = "openid orders:read";
    const auth1 = await authorizeCode(browser, client, { scope, extra: { resource: api.identifier } });
    await expectOAuthError(await exchangeCode(client, auth1, { resource: other.identifier }), "invalid_target");
    const auth2 = await authorizeCode(browser, client, { scope, extra: { resource: api.identifier } });
    await expectOAuthError(await exchangeCode(client, auth2, { resource: ISSUER }), "invalid_target");
    const auth3 = await authorizeCode(browser, client, { scope, extra: { resource: api.identifier } });
    const same = await expectTokens(await exchangeCode(client, auth3, { resource: api.identifier }));
    expect((await verifyJwt(same.access_token, { audience: api.identifier })).payload.aud).toBe(api.identifier);
    // Authorized for none: only the issuer may be named.
    const auth4 = await authorizeCode(browser, client, { scope: "openid" });
    await expectOAuthError(await exchangeCode(client, auth4, { resource: api.identifier }), "invalid_target");
    const auth5 = await authorizeCode(browser, client, { scope: "openid" });
    await expectTokens(await exchangeCode(client, auth5, { resource: ISSUER }));
    // At refresh: another resource is refused before rotation, so the token still works afterwards.
    await expectOAuthError(
      await refresh(client, same.refresh_token!, { resource: other.identifier }),
      "invalid_target",
    );
    await expectOAuthError(
      await refresh(client, same.refresh_token!, { resource: "https://x.example/#f" }),
      "invalid_target",
    );
    const kept = await expectTokens(await refresh(client, same.refresh_token!));
    const { payload } = await verifyJwt(kept.access_token, { audience: api.identifier });
    expect(payload).toMatchObject({ aud: api.identifier, scope: "openid orders:read" });
  });

  it("a grant narrowed after consent: the refreshed access token lacks the scope taken away; a grant removed ends refresh", async () => {
    const api = await createApi();
    const client = await registerClient();
    await grant(client, api, ["orders:read", "orders:write"]);
    const scope = "openid orders:read orders:write";
    const auth = await authorizeCode(browser, client, { scope, extra: { resource: api.identifier } });
    const first = await expectTokens(await exchangeCode(client, auth));
    expect((await verifyJwt(first.access_token, { audience: api.identifier })).payload.scope).toBe(scope);
    await grant(client, api, ["orders:read"]);
    const second = await expectTokens(await refresh(client, first.refresh_token!));
    const { payload } = await verifyJwt(second.access_token, { audience: api.identifier });
    expect(payload.scope).toBe("openid orders:read");
    expect(second.scope).toBe("openid orders:read");
    // Removing the scope from the resource itself has the same effect for every client.
    await adminCall("PATCH", `/resources/${api.id}`, { scopes: [{ value: "orders:write", description: "" }] });
    const third = await expectTokens(await refresh(client, second.refresh_token!));
    expect((await verifyJwt(third.access_token, { audience: api.identifier })).payload.scope).toBe("openid");
    // No grant at all any more: the resource is no longer served to the client.
    expect((await adminCall("DELETE", `/clients/${client.client_id}/grants/${api.id}`)).status).toBe(204);
    await expectOAuthError(await refresh(client, third.refresh_token!), "invalid_target");
  });
});
