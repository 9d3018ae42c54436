// Runs before `npm run dev`: creates .dev.vars from the example, builds the page script,
// and applies D1 migrations to the local database.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example");
}
execFileSync(process.execPath, ["scripts/build-page.mjs"], { stdio: "inherit" });
execFileSync(
  process.execPath,
  ["node_modules/wrangler/bin/wrangler.js", "d1", "migrations", "apply", "DB", "--local"],
  {
    stdio: "inherit",
    env: { ...process.env, CI: "1" },
  },
);
