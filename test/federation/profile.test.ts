/** Upstream answers to profiles: OIDC claims and GitHub's /user and /user/emails shapes. */
import { describe, expect, it } from "vitest";
import { githubProfile } from "../../src/federation/github";
import { profileFromClaims } from "../../src/federation/profile";

describe("profileFromClaims", () => {
  it("reads sub, a normalised email, email_verified (Apple's string too) and the name", () => {
    const claims = { sub: "abc", email: "Ann@Example.COM", email_verified: "true", name: "Ann" };
    expect(profileFromClaims(claims, "apple")).toEqual({
      subject: "abc",
      email: "ann@example.com",
      emailVerified: true,
      name: "Ann",
    });
    expect(profileFromClaims({ sub: "abc", given_name: "Ann", family_name: "Lee" }).name).toBe("Ann Lee");
  });

  it("does not call an address verified that the provider did not verify, or that is not an address", () => {
    expect(profileFromClaims({ sub: "a", email: "ann@example.com" }).emailVerified).toBe(false);
    expect(profileFromClaims({ sub: "a", email: "ann@example.com", email_verified: "false" }).emailVerified).toBe(
      false,
    );
    expect(profileFromClaims({ sub: "a", email: "not an address", email_verified: true })).toMatchObject({
      email: null,
      emailVerified: false,
    });
  });

  it('takes the string "true" from Apple only (OIDC Core §5.1: a boolean)', () => {
    const claims = { sub: "a", email: "ann@example.com", email_verified: "true" };
    expect(profileFromClaims(claims).emailVerified).toBe(false);
    expect(profileFromClaims(claims, "google").emailVerified).toBe(false);
    expect(profileFromClaims(claims, "apple").emailVerified).toBe(true);
  });

  it("never calls an address verified that normalizing rewrote (the Kelvin sign, a U-label domain)", () => {
    const kelvin = profileFromClaims({ sub: "a", email: "\u212Aevin@example.com", email_verified: true });
    expect(kelvin).toMatchObject({ email: "kevin@example.com", emailVerified: false });
    const idn = profileFromClaims({ sub: "a", email: "ann@bücher.example", email_verified: true });
    expect(idn).toMatchObject({ email: "ann@xn--bcher-kva.example", emailVerified: false });
    expect(profileFromClaims({ sub: "a", email: " Ann@Example.com ", email_verified: true }).emailVerified).toBe(true);
  });

  it("Google: verified only where Google is authoritative (Gmail, or the hd Workspace domain)", () => {
    const verified = (email: string, hd?: string) =>
      profileFromClaims({ sub: "g", email, email_verified: true, ...(hd ? { hd } : {}) }, "google").emailVerified;
    expect(verified("ann@gmail.com")).toBe(true);
    expect(verified("ann@acme.example", "acme.example")).toBe(true);
    expect(verified("ann@acme.example")).toBe(false);
    expect(verified("ann@acme.example", "other.example")).toBe(false);
    // Another provider's verified address outside its own domain is the connection's trust_email_verified call.
    expect(profileFromClaims({ sub: "o", email: "ann@acme.example", email_verified: true }, null).emailVerified).toBe(
      true,
    );
  });
});

describe("githubProfile", () => {
  const user = { id: 583231, login: "octocat", name: "The Octocat" };

  it("takes the primary address and whether GitHub verified it", () => {
    const emails = [
      { email: "other@example.com", primary: false, verified: true, visibility: null },
      { email: "octocat@github.com", primary: true, verified: true, visibility: "public" },
    ];
    expect(githubProfile(user, emails)).toEqual({
      subject: "583231",
      email: "octocat@github.com",
      emailVerified: true,
      name: "The Octocat",
    });
  });

  it("does not let a verified secondary address stand in for an unverified primary one", () => {
    const emails = [
      { email: "other@example.com", primary: false, verified: true, visibility: null },
      { email: "octocat@github.com", primary: true, verified: false, visibility: "public" },
    ];
    expect(githubProfile(user, emails)).toMatchObject({ email: "octocat@github.com", emailVerified: false });
  });

  it("does not call a primary address verified that normalizing rewrote", () => {
    const emails = [{ email: "\u212Aevin@example.com", primary: true, verified: true, visibility: null }];
    expect(githubProfile(user, emails)).toMatchObject({ email: "kevin@example.com", emailVerified: false });
  });

  it("has no address without a primary one, and is null for a /user without a numeric id", () => {
    expect(githubProfile({ ...user, name: null }, [])).toEqual({
      subject: "583231",
      email: null,
      emailVerified: false,
      name: "octocat",
    });
    expect(githubProfile({ id: "583231" }, [])).toBeNull();
    expect(githubProfile(null, null)).toBeNull();
  });
});
