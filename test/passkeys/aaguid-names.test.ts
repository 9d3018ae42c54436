import { describe, expect, it } from "vitest";
import { authenticatorName } from "../../src/passkeys/aaguid-names";

describe("bundled AAGUID names (passkeydeveloper/passkey-authenticator-aaguids)", () => {
  it("stale name: fbfc3007-154e-4ecc-8c0b-6e020557d7bd is Apple Passwords now, not iCloud Keychain", () => {
    expect(authenticatorName("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")).toBe("Apple Passwords");
    expect(authenticatorName("FBFC3007-154E-4ECC-8C0B-6E020557D7BD")).toBe("Apple Passwords");
  });

  it("names follow the community list's spelling; unknown and all-zero AAGUIDs get the generic name", () => {
    expect(authenticatorName("dd4ec289-e01d-41c9-bb89-70fa845d4bf2")).toBe("iCloud Keychain (Managed)");
    expect(authenticatorName("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")).toBe("Google Password Manager");
    expect(authenticatorName("d548826e-79b4-db40-a3d8-11116f7e8349")).toBe("Bitwarden");
    expect(authenticatorName("00000000-0000-0000-0000-000000000000")).toBe("Passkey");
    expect(authenticatorName("12345678-1234-1234-1234-123456789abc")).toBe("Passkey");
  });
});
