/** Published example secrets (.dev.vars.example, "change-me") are refused outside a localhost issuer. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import devVarsExample from "../../.dev.vars.example?raw";
import { ConfigError, type Env, parseConfig } from "../../src/config";

/** A production-shaped configuration with strong secrets. */
const production: Env = {
  ...(env as unknown as Env),
  ISSUER: "https://id.example.com",
  RP_ID: "id.example.com",
  ALLOWED_ORIGINS: "",
  EMAIL_TRANSPORT: "http",
  EMAIL_HTTP_URL: "https://mail.example/send",
  EMAIL_HTTP_KEY: "k".repeat(40),
  KEY_ENCRYPTION_SECRET: "a-strong-random-secret-of-more-than-32-characters",
  ADMIN_TOKEN: "a-strong-random-admin-token-0123456789",
  TURNSTILE_VERIFY_URL: undefined,
};

/** KEY=value lines of .dev.vars.example, as shipped. */
const example = Object.fromEntries(
  devVarsExample
    .split("\n")
    .map((l) => /^([A-Z_]+)=(.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);

describe("published example secrets", () => {
  it("a strong configuration on an https issuer parses", () => {
    expect(parseConfig(production).issuer).toBe("https://id.example.com");
  });

  it.each(["KEY_ENCRYPTION_SECRET", "ADMIN_TOKEN"] as const)(
    "copied .dev.vars.example: its %s is refused on an https issuer",
    (name) => {
      const value = example[name];
      expect(value, `.dev.vars.example sets ${name}`).toBeTypeOf("string");
      expect(() => parseConfig({ ...production, [name]: value })).toThrow(ConfigError);
      expect(() => parseConfig({ ...production, [name]: value })).toThrow(
        new RegExp(`${name} is a published example value`),
      );
    },
  );

  it.each([
    ["KEY_ENCRYPTION_SECRET", "my-own-secret-but-CHANGE-ME-before-deploying-it"],
    ["ADMIN_TOKEN", "Change-Me-0123456789abcdef"],
    ["EMAIL_HTTP_KEY", "change-me"],
  ] as const)(
    "a placeholder left in %s (contains change-me, any case) is refused on an https issuer",
    (name, value) => {
      expect(() => parseConfig({ ...production, [name]: value })).toThrow(/published example value/);
    },
  );

  it("the refusal does not echo the secret", () => {
    try {
      parseConfig({ ...production, ADMIN_TOKEN: "secret-change-me-0123456789" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).not.toContain("secret-change-me-0123456789");
    }
  });

  it("npm run dev still starts: the example values are accepted on a localhost issuer", () => {
    const dev = parseConfig({
      ...production,
      ISSUER: "http://localhost:8787",
      RP_ID: "localhost",
      EMAIL_TRANSPORT: "log",
      KEY_ENCRYPTION_SECRET: example.KEY_ENCRYPTION_SECRET,
      ADMIN_TOKEN: example.ADMIN_TOKEN,
    });
    expect(dev.insecureDev).toBe(true);
    expect(dev.adminToken).toBe(example.ADMIN_TOKEN);
  });
});
