/** Unit tests of the pure checks in src/oidc/authorize-request.ts; the endpoint itself: authorize.test.ts. */
import { describe, expect, it } from "vitest";
import { s256Challenge } from "../../src/lib/pkce";
import { checkAuthorizationRequest, checkClientAndRedirect, type Params } from "../../src/oidc/authorize-request";
import type { ClientRecord } from "../../src/oidc/clients";

const client = (over: Partial<ClientRecord> = {}): ClientRecord => ({
  id: "app",
  secretHash: null,
  name: "App",
  logoUri: null,
  redirectUris: ["https://app.example/cb"],
  postLogoutRedirectUris: [],
  grantTypes: ["authorization_code", "refresh_token"],
  responseTypes: ["code"],
  tokenEndpointAuthMethod: "none",
  idTokenSignedResponseAlg: "ES256",
  firstParty: false,
  applicationType: "web",
  previousSecretHash: null,
  previousSecretExpiresAt: null,
  jwks: null,
  jwksUri: null,
  tokenEndpointAuthSigningAlg: null,
  secretEnc: null,
  connections: null,
  ...over,
});

const params =
  (values: Record<string, string>): Params =>
  (key) =>
    values[key];
const challenge = async () => s256Challenge("v".repeat(43));

describe("checkClientAndRedirect: nothing is redirected until client and redirect_uri are known-good", () => {
  it("no client_id, or an unknown client, is shown on our page (RFC 6749 §4.1.2.1)", () => {
    expect(checkClientAndRedirect(null, undefined, "https://app.example/cb", "s").ok).toBe(false);
    expect(checkClientAndRedirect(null, "app", "https://app.example/cb", "s").ok).toBe(false);
  });

  it("open redirect: an unregistered redirect_uri is refused, even one adding a path (RFC 9700 §4.1.3)", () => {
    for (const uri of ["https://evil.example/cb", "https://app.example/cb/x", "https://app.example/cb?x=1"]) {
      expect(checkClientAndRedirect(client(), "app", uri, "s").ok, uri).toBe(false);
    }
  });

  it("redirect_uri may be omitted only when exactly one is registered (RFC 6749 §3.1.2.3)", () => {
    expect(checkClientAndRedirect(client(), "app", undefined, "s")).toMatchObject({
      ok: true,
      redirectUri: "https://app.example/cb",
    });
    const two = client({ redirectUris: ["https://app.example/a", "https://app.example/b"] });
    expect(checkClientAndRedirect(two, "app", undefined, "s").ok).toBe(false);
  });

  it("an overlong state is dropped, not echoed", () => {
    expect(checkClientAndRedirect(client(), "app", "https://app.example/cb", "x".repeat(2049))).toMatchObject({
      ok: true,
      state: null,
    });
  });
});

describe("checkAuthorizationRequest", () => {
  it("a public client's code request with S256 PKCE passes and its scope is a set", async () => {
    const r = checkAuthorizationRequest(
      client(),
      params({
        response_type: "code",
        scope: "openid email openid",
        code_challenge: await challenge(),
        code_challenge_method: "S256",
      }),
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.request.scope].sort()).toEqual(["email", "openid"]);
  });

  it("PKCE downgrade: a public client without code_challenge is refused (RFC 9700 §2.1.1)", () => {
    expect(checkAuthorizationRequest(client(), params({ response_type: "code", scope: "openid" }))).toMatchObject({
      ok: false,
      error: "invalid_request",
    });
  });

  it("plain PKCE is refused (RFC 7636 §4.3, S256 only)", async () => {
    const r = checkAuthorizationRequest(
      client(),
      params({
        response_type: "code",
        scope: "openid",
        code_challenge: await challenge(),
        code_challenge_method: "plain",
      }),
    );
    expect(r).toMatchObject({ ok: false, error: "invalid_request" });
  });

  it("implicit flow: response_type=token is unsupported_response_type (RFC 6749 §3.1.1)", () => {
    expect(
      checkAuthorizationRequest(
        client({ tokenEndpointAuthMethod: "client_secret_basic" }),
        params({ response_type: "token", scope: "openid" }),
      ),
    ).toMatchObject({ ok: false, error: "unsupported_response_type" });
  });

  it("no supported scope is invalid_scope (RFC 6749 §3.3)", () => {
    expect(
      checkAuthorizationRequest(
        client({ tokenEndpointAuthMethod: "client_secret_basic" }),
        params({ response_type: "code", scope: "admin" }),
      ),
    ).toMatchObject({ ok: false, error: "invalid_scope" });
  });

  it("prompt=none with another value, or a negative max_age, is invalid_request (OIDC Core §3.1.2.1)", () => {
    const confidential = client({ tokenEndpointAuthMethod: "client_secret_basic" });
    expect(
      checkAuthorizationRequest(confidential, params({ response_type: "code", scope: "openid", prompt: "none login" })),
    ).toMatchObject({ ok: false, error: "invalid_request" });
    expect(
      checkAuthorizationRequest(confidential, params({ response_type: "code", scope: "openid", max_age: "-1" })),
    ).toMatchObject({ ok: false, error: "invalid_request" });
  });

  it("request objects are refused with their own codes (OIDC Core §6)", () => {
    const confidential = client({ tokenEndpointAuthMethod: "client_secret_basic" });
    expect(
      checkAuthorizationRequest(confidential, params({ response_type: "code", scope: "openid", request: "x" })),
    ).toMatchObject({ ok: false, error: "request_not_supported" });
    expect(
      checkAuthorizationRequest(confidential, params({ response_type: "code", scope: "openid", request_uri: "x" })),
    ).toMatchObject({ ok: false, error: "request_uri_not_supported" });
  });
});
