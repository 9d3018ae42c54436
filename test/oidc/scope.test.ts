/** Scopes as a parsed set inside the code, joined only at the wire (RFC 6749 §3.3). */
import { describe, expect, it } from "vitest";
import { SCOPES } from "../../src/oidc/capabilities";
import { formatScope, parseScope, scopeWithin, supportedScope } from "../../src/oidc/scope";

describe("scope (RFC 6749 §3.3)", () => {
  it("parses a space-delimited list into a set, dropping duplicates and empty tokens, keeping the order asked", () => {
    const scope = parseScope("  email openid  email offline_access ");
    expect([...scope]).toEqual(["email", "openid", "offline_access"]);
    expect(formatScope(scope)).toBe("email openid offline_access");
    expect(parseScope(undefined).size).toBe(0);
  });

  it("keeps only the supported scopes, and every supported scope survives", () => {
    expect([...supportedScope(parseScope("openid admin email Openid"))]).toEqual(["openid", "email"]);
    expect([...supportedScope(new Set(SCOPES))]).toEqual([...SCOPES]);
  });

  it("scope widening: a scope outside the grant is not within it", () => {
    expect(scopeWithin(parseScope("openid"), parseScope("openid email"))).toBe(true);
    expect(scopeWithin(parseScope("openid offline_access"), parseScope("openid email"))).toBe(false);
    expect(scopeWithin(parseScope("email"), SCOPES)).toBe(true);
  });
});
