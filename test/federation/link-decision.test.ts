/** The linking rule against the "nOAuth" class: an unproven address never links and never creates an account. */
import { describe, expect, it } from "vitest";
import { decideLink } from "../../src/federation/link-decision";

describe("decideLink", () => {
  it("signs a linked identity in as its user, whatever the address says now", () => {
    expect(decideLink({ linkedUserId: "u1", emailOwnerId: "u2", email: "x@example.com", emailProven: false })).toEqual({
      kind: "returning",
      userId: "u1",
    });
  });

  it("links a proven address to the user who has it", () => {
    expect(decideLink({ linkedUserId: null, emailOwnerId: "u2", email: "x@example.com", emailProven: true })).toEqual({
      kind: "link",
      userId: "u2",
    });
  });

  it("never links on an unproven address: the person proves it first", () => {
    expect(decideLink({ linkedUserId: null, emailOwnerId: "u2", email: "x@example.com", emailProven: false })).toEqual({
      kind: "prove",
      email: "x@example.com",
    });
  });

  it("creates an account only for a proven address", () => {
    expect(decideLink({ linkedUserId: null, emailOwnerId: null, email: "n@example.com", emailProven: true })).toEqual({
      kind: "create",
      email: "n@example.com",
    });
    expect(decideLink({ linkedUserId: null, emailOwnerId: null, email: "n@example.com", emailProven: false })).toEqual({
      kind: "prove",
      email: "n@example.com",
    });
  });

  it("refuses an identity without an address to reach the person at", () => {
    expect(decideLink({ linkedUserId: null, emailOwnerId: null, email: null, emailProven: false })).toEqual({
      kind: "refuse",
      reason: "no_email",
    });
  });
});
