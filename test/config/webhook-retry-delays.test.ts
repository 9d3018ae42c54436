/** WEBHOOK_RETRY_DELAYS: comma-separated seconds, each within Cloudflare Queues' 12-hour delay limit. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, parseConfig } from "../../src/config";

const base = env as unknown as Env;

describe("WEBHOOK_RETRY_DELAYS (config)", () => {
  it("defaults to the Standard-Webhooks-like schedule of about a day", () => {
    const delays = parseConfig({ ...base, WEBHOOK_RETRY_DELAYS: undefined }).webhookRetryDelays;
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(99_305);
  });

  it("takes comma-separated whole seconds", () => {
    expect(parseConfig({ ...base, WEBHOOK_RETRY_DELAYS: "1, 60,43200" }).webhookRetryDelays).toEqual([1, 60, 43200]);
  });

  it("refuses anything else with a ConfigError naming the variable", () => {
    for (const raw of ["1,,2", "5s", "-1", "1.5", "43201", "1;2", Array(21).fill("1").join(",")]) {
      expect(() => parseConfig({ ...base, WEBHOOK_RETRY_DELAYS: raw }), raw).toThrow(ConfigError);
      expect(() => parseConfig({ ...base, WEBHOOK_RETRY_DELAYS: raw }), raw).toThrow(/WEBHOOK_RETRY_DELAYS/);
    }
  });
});
