// The bindings tests see through `cloudflare:test`'s `env`: the Worker's Env plus test-only bindings.
import type { D1Migration } from "@cloudflare/vitest-plugin";
import type { Env as WorkerEnv } from "../src/config";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      MAILBOX_URL: string;
      SMTP_SILENT_URL: string;
    }
  }
}
