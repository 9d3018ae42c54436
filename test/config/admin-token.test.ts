/** ADMIN_TOKEN at startup: a short one is a configuration error, not a silently disabled registration endpoint. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, parseConfig } from "../../src/config";

const base = env as unknown as Env;

describe("ADMIN_TOKEN (config)", () => {
  it("a guessable admin token (under 16 characters) stops the Worker with a message naming the variable", () => {
    expect(() => parseConfig({ ...base, ADMIN_TOKEN: "short-token" })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, ADMIN_TOKEN: "x".repeat(15) })).toThrow(/ADMIN_TOKEN must be at least 16/);
  });

  it("16 characters is enough; unset or empty leaves registration off", () => {
    expect(parseConfig({ ...base, ADMIN_TOKEN: "x".repeat(16) }).adminToken).toBe("x".repeat(16));
    expect(parseConfig({ ...base, ADMIN_TOKEN: undefined }).adminToken).toBeUndefined();
    expect(parseConfig({ ...base, ADMIN_TOKEN: "" }).adminToken).toBeUndefined();
  });
});
