// Builds the Worker upload into dist/worker/: the main module (what loads at startup) plus modules loaded on demand.
//
// esbuild code splitting turns every dynamic `import()` into a separate module that wrangler uploads beside the
// main one (wrangler.toml: no_bundle + find_additional_modules). The Worker then evaluates @simplewebauthn/server and
// its ASN.1/X.509 dependencies only when a passkey ceremony first needs them, not on every cold start (workerd still
// compiles every uploaded module when it loads the Worker; docs/performance.md has the measurements).
// Run by wrangler itself ([build] in wrangler.toml) before `wrangler dev`, `wrangler deploy` and `--dry-run`.
// Flags: --metafile <path> writes esbuild's metafile (used by `npm run bench`); --quiet prints nothing.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { leanWebauthn } from "./lean-webauthn.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = resolve(root, "dist/worker");
const args = process.argv.slice(2);
const metafileAt = args.includes("--metafile") ? resolve(args[args.indexOf("--metafile") + 1]) : null;

/** The esbuild options of the Worker upload; the bench builds its own entry with the same options. */
export function workerBuildOptions(entryPoints, dir) {
  return {
    absWorkingDir: root,
    entryPoints,
    outdir: dir,
    bundle: true,
    splitting: true,
    format: "esm",
    // wrangler's own defaults for Workers: workerd export conditions, es2024 (workerd's V8 has it).
    conditions: ["workerd", "worker", "browser"],
    target: "es2024",
    external: ["cloudflare:*", "node:*"],
    jsx: "automatic",
    jsxImportSource: "hono/jsx",
    // Minified: smaller to upload and faster to parse at startup. Names come back through the linked source maps.
    minify: true,
    sourcemap: "linked",
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    define: { "process.env.NODE_ENV": '"production"' },
    metafile: true,
    logLevel: "warning",
    // Only the WebAuthn code a "none" attestation conveyance can run (scripts/lean-webauthn.mjs, docs/attestation.md).
    plugins: [leanWebauthn(root)],
  };
}

/** Writes only files whose bytes changed (no needless `wrangler dev` reloads), then removes stale ones. */
function writeOutputs(dir, files) {
  const wanted = new Set(files.map((f) => f.path));
  for (const f of files) {
    if (existsSync(f.path) && Buffer.compare(readFileSync(f.path), f.contents) === 0) continue;
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.contents);
  }
  // Chunk names carry a content hash: a module from an older build must never be uploaded.
  const sweep = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) sweep(p);
      else if (!wanted.has(p)) rmSync(p, { force: true });
    }
  };
  if (existsSync(dir)) sweep(dir);
}

async function main() {
  const result = await build({ ...workerBuildOptions(["src/index.ts"], outdir), write: false });
  writeOutputs(outdir, result.outputFiles);
  if (metafileAt) {
    mkdirSync(dirname(metafileAt), { recursive: true });
    writeFileSync(metafileAt, JSON.stringify(result.metafile));
  }
  if (!args.includes("--quiet")) {
    const modules = Object.keys(result.metafile.outputs).filter((p) => p.endsWith(".js"));
    console.log(`built dist/worker (${modules.length} modules)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
