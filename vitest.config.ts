import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token-0123456789",
            // Real mail: the SMTP server and mailbox started by test/global-setup.ts on loopback.
            EMAIL_TRANSPORT: "smtp",
            SMTP_URL: inject("smtpUrl"),
            SMTP_SILENT_URL: inject("smtpSilentUrl"),
            MAILBOX_URL: inject("mailboxUrl"),
          },
        },
      })),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      exclude: ["test/e2e/**"],
      setupFiles: ["./test/setup.ts"],
      globalSetup: ["./test/global-setup.ts"],
    },
  };
});
