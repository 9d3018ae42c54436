/** The user-bound token format `<userId>.<secret>` (codes, refresh tokens) and bare secrets (magic links). */
import { describe, expect, it } from "vitest";
import { isSecret, newSecret, newUserToken, splitUserToken } from "../../src/lib/user-token";

const USER = "u".repeat(16);

describe("user-bound tokens", () => {
  it("a new token splits back into its user id and the secret whose hash is stored", () => {
    const { token, secret } = newUserToken(USER);
    expect(token).toBe(`${USER}.${secret}`);
    expect(splitUserToken(token)).toEqual({ userId: USER, secret });
  });

  it("secrets are 256 random bits: 43 base64url characters, never repeated", () => {
    const a = newSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(isSecret(a)).toBe(true);
    expect(newSecret()).not.toBe(a);
  });

  it.each([
    ["no separator", `${USER}${"s".repeat(43)}`],
    ["user id too short to be ours", `${"u".repeat(15)}.${"s".repeat(43)}`],
    ["user id too long", `${"u".repeat(65)}.${"s".repeat(43)}`],
    ["secret one character short", `${USER}.${"s".repeat(42)}`],
    ["secret one character long", `${USER}.${"s".repeat(44)}`],
    ["a dot inside the user id (routing to another object)", `${"u".repeat(8)}.${"u".repeat(8)}.${"s".repeat(43)}`],
    ["path characters in the user id", `../${"u".repeat(16)}.${"s".repeat(43)}`],
    ["padding in the secret", `${USER}.${"s".repeat(42)}=`],
    ["trailing newline", `${USER}.${"s".repeat(43)}\n`],
    ["empty", ""],
  ])("malformed (%s) is refused before any look-up", (_, token) => {
    expect(splitUserToken(token)).toBeNull();
  });

  it.each([
    ["a user-bound token", `${USER}.${"s".repeat(43)}`],
    ["42 characters", "s".repeat(42)],
    ["standard base64 characters", `${"s".repeat(42)}+`],
    ["empty", ""],
  ])("a bare secret is exactly 43 base64url characters: %s is not one", (_, value) => {
    expect(isSecret(value)).toBe(false);
  });
});
