/** The dev-only log transport: prints the message, and refuses to run for a non-localhost issuer. */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Env, parseConfig } from "../../src/config";
import { sendEmail } from "../../src/email/send";

const testEnv = env as unknown as Env;

describe("log transport", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints recipient, subject and the text (with its link) to the console", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    const config = { ...parseConfig(testEnv), emailTransport: "log" as const };
    await sendEmail(testEnv, config, {
      to: "ada@example.org",
      subject: "Your link",
      text: "http://localhost:8787/magic-link?token=x",
      html: "<p>h</p>",
    });
    expect(lines.join("\n")).toMatch(
      /To: ada@example\.org[\s\S]*Subject: Your link[\s\S]*http:\/\/localhost:8787\/magic-link\?token=x/,
    );
  });

  it("links in production logs: refused when the issuer is not a localhost dev issuer", async () => {
    const prod = { ...parseConfig(testEnv), insecureDev: false, emailTransport: "log" as const };
    await expect(
      sendEmail(testEnv, prod, { to: "ada@example.org", subject: "s", text: "t", html: "h" }),
    ).rejects.toThrow(TypeError);
  });
});
