/** A federated sign-in is published as amr ["fed"] (RFC 8176 §2) and is the weakest acr class. */
import { describe, expect, it } from "vitest";
import { ACR_VALUES, acrOf, acrSatisfies, publishedAmr } from "../../src/sessions/assurance";

describe("federated assurance", () => {
  it("publishes fed and nothing more", () => {
    expect(publishedAmr(["fed"])).toEqual(["fed"]);
    expect(acrOf(["fed"])).toBe("federated");
  });

  it("is below the email link, so acr_values=email-link asks a federated session to sign in again", () => {
    expect(ACR_VALUES.indexOf("federated")).toBeLessThan(ACR_VALUES.indexOf("email-link"));
    expect(acrSatisfies("federated", ["email-link"])).toBe(false);
    expect(acrSatisfies("email-link", ["federated"])).toBe(true);
  });
});
