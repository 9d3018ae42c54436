/** Registration's grant and response types (pure, RFC 7591 §2 and §2.1; RFC 6749 §4.4 for machine clients). */
import { describe, expect, it } from "vitest";
import { parseGrantTypes, usesRedirects } from "../../src/oidc/client-grant-types";

describe("parseGrantTypes", () => {
  it("defaults to authorization_code with response type code", () => {
    expect(parseGrantTypes(undefined, undefined, "client_secret_basic")).toEqual({
      ok: true,
      metadata: { grant_types: ["authorization_code"], response_types: ["code"] },
    });
  });

  it("a machine client has client_credentials and no response types", () => {
    const r = parseGrantTypes(["client_credentials"], undefined, "private_key_jwt");
    expect(r).toEqual({ ok: true, metadata: { grant_types: ["client_credentials"], response_types: [] } });
    expect(parseGrantTypes(["client_credentials"], [], "client_secret_basic").ok).toBe(true);
    expect(usesRedirects(["client_credentials"])).toBe(false);
  });

  it("a web client may use client_credentials as well (its own API access)", () => {
    const r = parseGrantTypes(["authorization_code", "client_credentials"], undefined, "client_secret_basic");
    expect(r.ok).toBe(true);
    expect(usesRedirects(["authorization_code", "client_credentials"])).toBe(true);
  });

  it.each([
    ["client_credentials for a public client", ["client_credentials"], undefined, "none", "grant_types"],
    [
      "refresh_token without a grant that issues one",
      ["refresh_token", "client_credentials"],
      undefined,
      "client_secret_basic",
      "grant_types",
    ],
    [
      "a response type without authorization_code",
      ["client_credentials"],
      ["code"],
      "client_secret_basic",
      "response_types",
    ],
    ["an unknown grant", ["password"], undefined, "client_secret_basic", "grant_types"],
    ["a response type other than code", ["authorization_code"], ["token"], "client_secret_basic", "response_types"],
  ] as const)("refuses %s", (_name, grants, responses, method, field) => {
    const r = parseGrantTypes(grants, responses, method);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.field).toBe(field);
  });
});
