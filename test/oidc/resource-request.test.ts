/** The pure RFC 8707 checks: `resource` at /authorize, the target at /token, and per-resource consent records. */
import { describe, expect, it } from "vitest";
import { consentTokens } from "../../src/oidc/consent-scope";
import type { ResourceServer } from "../../src/oidc/resource-registry";
import { checkResourceRequest } from "../../src/oidc/resource-request";
import { parseScope } from "../../src/oidc/scope";
import { targetProblem } from "../../src/user/code-redemption";

const api: ResourceServer = {
  id: "rs_a",
  identifier: "https://api.example/",
  name: "A",
  scopes: [
    { value: "read", description: "Read" },
    { value: "write", description: "Write" },
  ],
  accessTokenTtlS: 600,
  introspectionClients: [],
  builtIn: false,
};
const catalogue = { served: [api], grants: new Map([["rs_a", new Set(["read"])]]) };

describe("checkResourceRequest (RFC 8707 §2, RFC 6749 §4.1.2.1)", () => {
  it("without a resource, scopes Latchkey does not define are ignored", () => {
    expect(checkResourceRequest(undefined, parseScope("openid read"), catalogue)).toEqual({
      ok: true,
      resource: null,
      scope: new Set(["openid"]),
    });
  });

  it("a served resource keeps granted API scopes next to OpenID Connect ones", () => {
    const got = checkResourceRequest(api.identifier, parseScope("openid read"), catalogue);
    expect(got).toMatchObject({ ok: true, resource: { id: "rs_a" } });
    expect(got.ok && [...got.scope]).toEqual(["openid", "read"]);
  });

  it("a scope defined but not granted is invalid_scope naming it", () => {
    expect(checkResourceRequest(api.identifier, parseScope("openid write"), catalogue)).toMatchObject({
      ok: false,
      error: "invalid_scope",
      description: expect.stringContaining("write"),
    });
  });

  it("a fragment, a relative URI or an unserved resource is invalid_target", () => {
    for (const value of ["https://api.example/#f", "/api", "https://other.example/", "https://api.example"]) {
      expect(checkResourceRequest(value, parseScope("openid"), catalogue), value).toMatchObject({
        ok: false,
        error: "invalid_target",
      });
    }
  });
});

describe("targetProblem (RFC 8707 §2.2)", () => {
  const target = (requested: string | null, served: string[] = ["https://api.example/"]) => ({
    requested,
    issuer: "https://id.example",
    served,
  });
  it("absent or equal is fine; another, or the issuer for a resource grant, is not", () => {
    expect(targetProblem("https://api.example/", target(null))).toBeNull();
    expect(targetProblem("https://api.example/", target("https://api.example/"))).toBeNull();
    expect(targetProblem("https://api.example/", target("https://id.example"))).not.toBeNull();
    expect(targetProblem(null, target("https://id.example"))).toBeNull();
    expect(targetProblem(null, target("https://api.example/"))).not.toBeNull();
  });
  it("a resource no longer served to the client is refused even when not named", () => {
    expect(targetProblem("https://api.example/", target(null, []))).not.toBeNull();
  });
});

describe("consentTokens", () => {
  it("keeps OpenID Connect scopes bare and names API scopes with their resource", () => {
    expect(consentTokens(parseScope("openid offline_access read"), "https://api.example/")).toEqual([
      "openid",
      "offline_access",
      "https://api.example/#read",
    ]);
    expect(consentTokens(parseScope("openid email"), null)).toEqual(["openid", "email"]);
  });
});
