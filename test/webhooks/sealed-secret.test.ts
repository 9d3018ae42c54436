/** Webhook secrets are sealed under their own derived key (src/keys/crypto-box.ts purposes). */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { decryptString, encryptString } from "../../src/keys/crypto-box";

describe("crypto-box purposes", () => {
  it("a webhook secret does not open under the signing-key key, nor the reverse; the default is signing-key", async () => {
    const secret = getConfig(env).keyEncryptionSecret;
    const webhook = await encryptString(secret, "whsec_x", "ep_1", "webhook-secret");
    expect(await decryptString(secret, webhook, "ep_1", "webhook-secret")).toBe("whsec_x");
    await expect(decryptString(secret, webhook, "ep_1")).rejects.toThrow(/does not decrypt/);
    const signing = await encryptString(secret, "jwk", "kid-1");
    expect(await decryptString(secret, signing, "kid-1", "signing-key")).toBe("jwk");
    await expect(decryptString(secret, signing, "kid-1", "webhook-secret")).rejects.toThrow(/does not decrypt/);
  });
});
