/** Unit tests of readClientData (src/passkeys/client-data.ts): the frame rule and shape checks before verification. */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { readClientData } from "../../src/passkeys/client-data";

const encode = (data: unknown) => btoa(JSON.stringify(data)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const base = { type: "webauthn.get", challenge: "abc_-DEF", origin: "https://id.example" };

function refusal(input: unknown): { code: string; message: string } {
  try {
    readClientData(input);
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("readClientData accepted the input");
}

describe("readClientData", () => {
  it("returns the challenge of a same-origin, top-level response (unpadded base64url)", () => {
    expect(readClientData(encode(base))).toEqual({ challenge: "abc_-DEF" });
    expect(readClientData(encode({ ...base, crossOrigin: false }))).toEqual({ challenge: "abc_-DEF" });
  });

  it("framing: crossOrigin true is refused before the challenge is looked up (WebAuthn L3 §7.2 step 10)", () => {
    expect(refusal(encode({ ...base, crossOrigin: true })).code).toBe("verification_failed");
  });

  it("framing: any topOrigin is refused, since the pages are never framed (WebAuthn L3 §7.1, §7.2 topOrigin)", () => {
    expect(refusal(encode({ ...base, topOrigin: "https://id.example" })).code).toBe("verification_failed");
  });

  it("missing, oversized, non-base64 or non-JSON client data is invalid_request, never a 5xx", () => {
    for (const bad of [undefined, 42, "a".repeat(4097), "!!!", btoa("not json"), encode("a string"), encode(null)]) {
      expect(refusal(bad).code, String(bad).slice(0, 20)).toBe("invalid_request");
    }
  });

  it("a challenge that is not a string is invalid_request", () => {
    expect(refusal(encode({ ...base, challenge: 5 })).code).toBe("invalid_request");
    expect(refusal(encode({ type: "webauthn.get" })).code).toBe("invalid_request");
  });
});
