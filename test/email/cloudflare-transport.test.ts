/** The send_email transport: envelope addresses and the raw MIME handed to the binding. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Env, parseConfig } from "../../src/config";
import { sendEmail } from "../../src/email/send";

describe("cloudflare send_email transport", () => {
  it("hands an EmailMessage with bare envelope addresses to env.SEND_EMAIL", async () => {
    const sent: unknown[] = [];
    // A stand-in binding: workerd's local send_email only logs, and the binding is not configured in tests.
    const testEnv = { ...(env as unknown as Env), SEND_EMAIL: { send: async (m: unknown) => void sent.push(m) } };
    const config = { ...parseConfig(testEnv), emailTransport: "cloudflare" as const };
    await sendEmail(testEnv, config, { to: "ada@example.org", subject: "Hi", text: "t", html: "h" });
    expect(sent).toHaveLength(1);
    const m = sent[0] as { from: string; to: string };
    expect(m.from).toBe("no-reply@localhost");
    expect(m.to).toBe("ada@example.org");
  });

  it("a binding failure propagates to the caller", async () => {
    const testEnv = {
      ...(env as unknown as Env),
      SEND_EMAIL: { send: async () => Promise.reject(new Error("destination not verified")) },
    };
    const config = { ...parseConfig(testEnv), emailTransport: "cloudflare" as const };
    await expect(
      sendEmail(testEnv, config, { to: "ada@example.org", subject: "Hi", text: "t", html: "h" }),
    ).rejects.toThrow("destination not verified");
  });
});
