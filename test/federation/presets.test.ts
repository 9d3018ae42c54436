/** Preset facts: which email_verified can be trusted, Apple's form post, Entra's tenant issuer, GitHub's endpoints. */
import { describe, expect, it } from "vitest";
import {
  emailTrusted,
  expectedIssuer,
  githubEndpoints,
  microsoftIssuerFits,
  responseMode,
} from "../../src/federation/presets";

const TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

describe("emailTrusted", () => {
  it("follows the connection's setting for a generic provider and the trustable presets", () => {
    expect(emailTrusted({ preset: null, trustEmailVerified: true })).toBe(true);
    expect(emailTrusted({ preset: "google", trustEmailVerified: true })).toBe(true);
    expect(emailTrusted({ preset: "github", trustEmailVerified: false })).toBe(false);
  });

  it("never trusts Microsoft Entra's email claim, whatever the connection says", () => {
    expect(emailTrusted({ preset: "microsoft", trustEmailVerified: true })).toBe(false);
  });
});

describe("Microsoft Entra issuer", () => {
  const template = "https://login.microsoftonline.com/{tenantid}/v2.0";

  it("accepts the published template only for the multi-tenant endpoints", () => {
    expect(microsoftIssuerFits("https://login.microsoftonline.com/common/v2.0", template)).toBe(true);
    expect(microsoftIssuerFits("https://login.microsoftonline.com/organizations/v2.0", template)).toBe(true);
    expect(microsoftIssuerFits(`https://login.microsoftonline.com/${TENANT}/v2.0`, template)).toBe(false);
    expect(
      microsoftIssuerFits(
        `https://login.microsoftonline.com/${TENANT}/v2.0`,
        `https://login.microsoftonline.com/${TENANT}/v2.0`,
      ),
    ).toBe(true);
  });

  it("expects the token's own tenant in iss, and nothing when tid is not a GUID", () => {
    expect(expectedIssuer(template, TENANT.toUpperCase())).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(expectedIssuer(template, "contoso.onmicrosoft.com")).toBeNull();
    expect(expectedIssuer(template, undefined)).toBeNull();
    expect(expectedIssuer("https://accounts.google.com", undefined)).toBe("https://accounts.google.com");
  });
});

describe("responseMode and GitHub endpoints", () => {
  it("asks Apple for a form post and everyone else for the query", () => {
    expect(responseMode("apple")).toBe("form_post");
    expect(responseMode("google")).toBe("query");
    expect(responseMode(null)).toBe("query");
  });

  it("uses api.github.com for github.com and /api/v3 for GitHub Enterprise Server", () => {
    expect(githubEndpoints("https://github.com")).toEqual({
      authorize: "https://github.com/login/oauth/authorize",
      token: "https://github.com/login/oauth/access_token",
      api: "https://api.github.com",
    });
    expect(githubEndpoints("https://git.example.com/").api).toBe("https://git.example.com/api/v3");
  });
});
