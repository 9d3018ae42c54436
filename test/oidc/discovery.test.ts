/** Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2), checked by hand and by a real relying-party library. */
import { env, SELF } from "cloudflare:test";
import * as oidc from "openid-client";
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, getConfig, parseConfig } from "../../src/config";
import * as caps from "../../src/oidc/capabilities";
import { providerMetadata } from "../../src/oidc/discovery";

const ISSUER = "http://localhost:8787";

const EXPECTED = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  jwks_uri: `${ISSUER}/jwks.json`,
  registration_endpoint: `${ISSUER}/register`,
  revocation_endpoint: `${ISSUER}/revoke`,
  end_session_endpoint: `${ISSUER}/logout`,
  scopes_supported: ["openid", "profile", "email", "offline_access"],
  response_types_supported: ["code"],
  response_modes_supported: ["query"],
  grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
  subject_types_supported: ["public"],
  id_token_signing_alg_values_supported: ["ES256", "RS256"],
  token_endpoint_auth_methods_supported: [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
  ],
  token_endpoint_auth_signing_alg_values_supported: ["RS256", "PS256", "ES256", "EdDSA", "HS256"],
  revocation_endpoint_auth_methods_supported: [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
  ],
  revocation_endpoint_auth_signing_alg_values_supported: ["RS256", "PS256", "ES256", "EdDSA", "HS256"],
  introspection_endpoint: `${ISSUER}/introspect`,
  introspection_endpoint_auth_methods_supported: [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
  ],
  introspection_endpoint_auth_signing_alg_values_supported: ["RS256", "PS256", "ES256", "EdDSA", "HS256"],
  code_challenge_methods_supported: ["S256"],
  acr_values_supported: ["federated", "email-link", "passkey", "passkey-uv"],
  claims_supported: [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "amr",
    "acr",
    "azp",
    "sid",
    "at_hash",
    "email",
    "email_verified",
    "name",
  ],
  prompt_values_supported: ["none", "login", "consent", "select_account", "create"],
  claims_parameter_supported: false,
  request_parameter_supported: false,
  request_uri_parameter_supported: false,
  authorization_response_iss_parameter_supported: true,
  ui_locales_supported: ["en"],
};

describe.each(["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"])("GET %s", (path) => {
  it("serves the full metadata document, cacheable and readable cross-origin", async () => {
    const res = await SELF.fetch(`${ISSUER}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual(EXPECTED);
  });
});

describe("provider metadata", () => {
  it("issuer is exactly the configured ISSUER (OIDC Discovery §4.3), the same byte string that goes into `iss`", async () => {
    const res = await SELF.fetch(`${ISSUER}/.well-known/openid-configuration`);
    const body = (await res.json()) as { issuer: string };
    expect(body.issuer).toBe(getConfig(env as unknown as Env).issuer);
  });

  it("follows the configured issuer, and never advertises plain, implicit or hybrid flows", () => {
    const config = parseConfig({
      ...(env as unknown as Env),
      ISSUER: "https://id.example.com",
      EMAIL_TRANSPORT: "http",
      EMAIL_HTTP_URL: "https://mail.example/send",
      KEY_ENCRYPTION_SECRET: "x".repeat(32),
      ALLOWED_ORIGINS: "",
    });
    const m = providerMetadata(config);
    expect(m.issuer).toBe("https://id.example.com");
    expect(m.jwks_uri).toBe("https://id.example.com/jwks.json");
    expect(m.token_endpoint).toBe("https://id.example.com/token");
    expect(m.code_challenge_methods_supported).not.toContain("plain");
    expect(m.response_types_supported).toEqual(["code"]);
    expect(m.id_token_signing_alg_values_supported).not.toContain("none");
  });

  it("publishes the vocabularies every check reads, from their one definition (src/oidc/capabilities.ts)", () => {
    const m = providerMetadata(getConfig(env as unknown as Env));
    expect(m.scopes_supported).toEqual([...caps.SCOPES]);
    expect(m.response_types_supported).toEqual([...caps.RESPONSE_TYPES]);
    expect(m.grant_types_supported).toEqual([...caps.GRANT_TYPES]);
    expect(m.id_token_signing_alg_values_supported).toEqual([...caps.ID_TOKEN_ALGS]);
    expect(m.token_endpoint_auth_methods_supported).toEqual([...caps.CLIENT_AUTH_METHODS]);
    expect(m.revocation_endpoint_auth_methods_supported).toEqual([...caps.CLIENT_AUTH_METHODS]);
    expect(m.prompt_values_supported).toEqual([...caps.PROMPTS]);
    expect(m.code_challenge_methods_supported).toEqual([...caps.CODE_CHALLENGE_METHODS]);
    expect(m.acr_values_supported).toEqual([...caps.ACR_VALUES]);
  });

  it("the demo client (public, first party) is off by default outside localhost; DEMO_ENABLED turns it on or off explicitly", () => {
    const base = {
      ...(env as unknown as Env),
      EMAIL_TRANSPORT: "http",
      EMAIL_HTTP_URL: "https://mail.example/send",
      KEY_ENCRYPTION_SECRET: "x".repeat(32),
      ALLOWED_ORIGINS: "",
      DEMO_ENABLED: undefined,
    };
    expect(parseConfig({ ...base, ISSUER: "https://id.example.com" }).demoEnabled).toBe(false);
    expect(parseConfig({ ...base, ISSUER: "https://id.example.com", DEMO_ENABLED: "" }).demoEnabled).toBe(false);
    expect(parseConfig({ ...base, ISSUER: "https://id.example.com", DEMO_ENABLED: "true" }).demoEnabled).toBe(true);
    expect(parseConfig({ ...base, ISSUER: "http://localhost:8787" }).demoEnabled).toBe(true);
    expect(parseConfig({ ...base, ISSUER: "http://localhost:8787", DEMO_ENABLED: "false" }).demoEnabled).toBe(false);
  });

  it("refuses an ISSUER with a path, query or fragment: every endpoint it advertised would be missing (OIDC Discovery §4, RFC 8414 §3)", () => {
    const base = {
      ...(env as unknown as Env),
      EMAIL_TRANSPORT: "http",
      EMAIL_HTTP_URL: "https://mail.example/send",
      KEY_ENCRYPTION_SECRET: "x".repeat(32),
      ALLOWED_ORIGINS: "",
    };
    for (const issuer of [
      "https://id.example.com/auth",
      "https://id.example.com/auth/",
      "https://id.example.com/.",
      "https://id.example.com/?x=1",
      "https://id.example.com?",
      "https://id.example.com/#f",
      "https://id.example.com/#",
    ]) {
      expect(() => parseConfig({ ...base, ISSUER: issuer }), issuer).toThrow(ConfigError);
    }
    expect(parseConfig({ ...base, ISSUER: "https://id.example.com/" }).issuer).toBe("https://id.example.com");
  });

  it("a standard relying-party library (openid-client) accepts the document and reaches the JWKS it names", async () => {
    const viaWorker: oidc.CustomFetch = (url, options) => SELF.fetch(url, options as RequestInit);
    const configuration = await oidc.discovery(new URL(ISSUER), "any-client", undefined, oidc.None(), {
      [oidc.customFetch]: viaWorker,
      execute: [oidc.allowInsecureRequests],
    });
    const meta = configuration.serverMetadata();
    expect(meta.issuer).toBe(ISSUER);
    expect(meta.supportsPKCE()).toBe(true);
    const jwks = await SELF.fetch(meta.jwks_uri!);
    expect(jwks.status).toBe(200);
    expect(await jwks.json()).toHaveProperty("keys");
  });
});
