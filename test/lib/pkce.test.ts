/** PKCE (RFC 7636), S256 only: verifier and challenge syntax, the challenge computation, the check at redemption. */
import { describe, expect, it } from "vitest";
import { isCodeVerifier, isS256Challenge, pkceMismatch, s256Challenge } from "../../src/lib/pkce";

describe("PKCE (RFC 7636)", () => {
  it("S256 of the RFC 7636 Appendix B verifier is the appendix's challenge", async () => {
    const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const challenge = await s256Challenge(verifier);
    expect(challenge).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    expect(isCodeVerifier(verifier)).toBe(true);
    expect(isS256Challenge(challenge)).toBe(true);
  });

  it.each([
    ["42 characters (too short, §4.1)", "a".repeat(42)],
    ["129 characters (too long, §4.1)", "a".repeat(129)],
    ["a character outside the unreserved set", `${"a".repeat(42)}+`],
    ["a space", `${"a".repeat(42)} `],
    ["empty", ""],
  ])("a malformed verifier is refused: %s", (_, verifier) => {
    expect(isCodeVerifier(verifier)).toBe(false);
  });

  it("the verifier bounds are inclusive: 43 and 128 unreserved characters", () => {
    expect(isCodeVerifier("a".repeat(43))).toBe(true);
    expect(isCodeVerifier("-._~".repeat(32))).toBe(true);
  });

  it.each([
    ["a plain verifier passed as a challenge (42 chars)", "a".repeat(42)],
    ["padding", `${"a".repeat(43)}=`],
    ["standard base64", `${"a".repeat(42)}/`],
  ])("a challenge that is not base64url(SHA-256) is refused: %s", (_, challenge) => {
    expect(isS256Challenge(challenge)).toBe(false);
  });

  it("redemption: the matching verifier passes, and a code without PKCE redeemed without a verifier passes", () => {
    expect(pkceMismatch("c".repeat(43), "c".repeat(43))).toBeNull();
    expect(pkceMismatch(null, null)).toBeNull();
  });

  it("redemption without the verifier for a code issued with a challenge is refused (§4.6)", () => {
    expect(pkceMismatch("c".repeat(43), null)).toBe("code_verifier is required");
  });

  it("a stolen code redeemed with another verifier is refused (§4.6)", () => {
    expect(pkceMismatch("c".repeat(43), "d".repeat(43))).toBe("code_verifier does not match code_challenge");
  });

  it("PKCE downgrade: a verifier for a code issued without a challenge is refused (RFC 9700 §2.1.1)", () => {
    expect(pkceMismatch(null, "d".repeat(43))).toBe("code_verifier sent but no code_challenge was used");
  });
});
