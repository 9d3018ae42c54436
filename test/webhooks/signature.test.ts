/** Standard Webhooks signing: the secret format and known-answer vectors (the reference library verifies in delivery.test.ts). */
import { describe, expect, it } from "vitest";
import { newWebhookSecret, signWebhook } from "../../src/webhooks/signature";

describe("signWebhook", () => {
  it("makes secrets of 32 random bytes behind whsec_", () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(a.slice(6)).length).toBe(32);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it("matches the Standard Webhooks reference libraries' test vector", async () => {
    // From standard-webhooks/libraries (javascript/src/index.test.ts, "valid signature is valid").
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = '{"test": 2432232314}';
    expect(await signWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)).toBe(
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });
});
