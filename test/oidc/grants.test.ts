/** The grant type registry behind /token (RFC 6749 §5.2 unsupported_grant_type comes from it). */
import { describe, expect, it } from "vitest";
import { GRANT_TYPES } from "../../src/oidc/capabilities";
import { grantFor } from "../../src/oidc/grants";

describe("grant registry", () => {
  it("every advertised grant type has its module, named after it", () => {
    for (const type of GRANT_TYPES) expect(grantFor(type)?.type).toBe(type);
  });

  it.each(["password", "implicit", "urn:ietf:params:oauth:grant-type:device_code", "toString", "__proto__", ""])(
    "a grant type not offered (%s) has no module",
    (type) => {
      expect(grantFor(type)).toBeNull();
    },
  );
});
