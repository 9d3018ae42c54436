import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Three projects in workerd: "workers" (everything, production-default limits, Turnstile off), "abuse"
 * (test/abuse: low rate limits and Turnstile on with its published test keys, verified by a loopback stand-in) and
 * "webhooks" (test/webhooks: deliveries to loopback receivers with a retry schedule of seconds).
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const project = (name: string, include: string[], exclude: string[], extra: Record<string, string> = {}) => ({
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        main: "./src/index.ts",
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token-0123456789",
            // Real mail: the SMTP server and mailbox started by test/global-setup.ts on loopback.
            EMAIL_TRANSPORT: "smtp",
            SMTP_URL: inject("smtpUrl"),
            SMTP_SILENT_URL: inject("smtpSilentUrl"),
            MAILBOX_URL: inject("mailboxUrl"),
            ...(extra.TURNSTILE_SITE_KEY
              ? { TURNSTILE_VERIFY_URL: `${inject("mailboxUrl")}/turnstile/siteverify` }
              : {}),
            ...extra,
          },
        },
      })),
    ],
    test: { name, include, exclude, setupFiles: ["./test/setup.ts"], globalSetup: ["./test/global-setup.ts"] },
  });
  return {
    test: {
      projects: [
        project("workers", ["test/**/*.test.ts"], ["test/e2e/**", "test/abuse/**", "test/webhooks/**"]),
        // Webhook delivery through the real queue, with a retry schedule of seconds instead of a day.
        project("webhooks", ["test/webhooks/**/*.test.ts"], [], { WEBHOOK_RETRY_DELAYS: "1,1" }),
        project("abuse", ["test/abuse/**/*.test.ts"], [], {
          RATE_LIMITS: JSON.stringify({
            magicLinkPerAddress: { limit: 3, windowSeconds: 900 },
            magicLinkPerIp: { limit: 5, windowSeconds: 600 },
            passkeyFailurePerIp: { limit: 3, windowSeconds: 600 },
            tokenFailurePerClient: { limit: 4, windowSeconds: 60 },
            registerPerIp: { limit: 3, windowSeconds: 3600 },
          }),
          TURNSTILE_SITE_KEY: "1x00000000000000000000AA",
          TURNSTILE_SECRET: "1x0000000000000000000000000000000AA",
        }),
      ],
    },
  };
});
