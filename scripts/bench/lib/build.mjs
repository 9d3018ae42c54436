// Builds what the bench measures: the wrangler upload (dist/worker via `wrangler deploy --dry-run`), the bench
// entry (same esbuild options), the trivial baseline, and the one-bundle layout for comparison.

import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { workerBuildOptions } from "../../build-worker.mjs";
import { ROOT } from "./tools.mjs";

export const OUT = resolve(ROOT, "dist/bench");

function jsFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".js")) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort((a, b) => (a === "index.js" ? -1 : b === "index.js" ? 1 : a.localeCompare(b)));
}

/** Every module of a build directory, its raw and gzip size, and whether it loads at startup. */
function describeModules(dir, metafile) {
  const files = jsFiles(dir);
  const outputs = metafile.outputs;
  const key = (f) => Object.keys(outputs).find((k) => resolve(ROOT, k) === resolve(dir, f));
  // Startup = the main module and everything it imports statically; dynamic import() targets load on demand.
  const startup = new Set();
  const walk = (k) => {
    if (!k || startup.has(k)) return;
    startup.add(k);
    for (const imp of outputs[k].imports) if (imp.kind === "import-statement" && outputs[imp.path]) walk(imp.path);
  };
  walk(key("index.js"));
  const modules = files.map((f) => {
    const bytes = readFileSync(join(dir, f));
    const k = key(f);
    const inputs = k ? Object.keys(outputs[k].inputs) : [];
    const packages = [...new Set(inputs.map((i) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i)?.[1] ?? "src"))];
    return { name: f, raw: bytes.length, gzip: gzipSync(bytes).length, startup: startup.has(k), packages };
  });
  const sum = (list, field) => list.reduce((n, m) => n + m[field], 0);
  const atStartup = modules.filter((m) => m.startup);
  return {
    modules,
    total: { raw: sum(modules, "raw"), gzip: sum(modules, "gzip") },
    startup: { raw: sum(atStartup, "raw"), gzip: sum(atStartup, "gzip") },
  };
}

/** `wrangler deploy --dry-run`: runs the [build] command and writes the exact upload; returns its own size line. */
function wranglerUpload(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  const log = execFileSync(
    process.execPath,
    [resolve(ROOT, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir],
    {
      cwd: ROOT,
      env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(log);
  if (!m) throw new Error(`could not read the upload size from wrangler:\n${log}`);
  return { rawKiB: Number(m[1]), gzipKiB: Number(m[2]) };
}

async function esbuildDir(entry, dir, overrides = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await build({ ...workerBuildOptions([entry], dir), entryNames: "index", ...overrides });
  return describeModules(dir, result.metafile);
}

export async function buildAll() {
  mkdirSync(OUT, { recursive: true });
  const uploadDir = join(OUT, "upload");
  const wrangler = wranglerUpload(uploadDir);
  // The upload directory holds the modules wrangler uploads; the metafile of the same build tells which load at startup.
  const metaPath = join(OUT, "worker-meta.json");
  execFileSync(process.execPath, [resolve(ROOT, "scripts/build-worker.mjs"), "--metafile", metaPath, "--quiet"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  const production = describeModules(resolve(ROOT, "dist/worker"), JSON.parse(readFileSync(metaPath, "utf8")));
  const uploaded = jsFiles(uploadDir);
  const built = production.modules.map((m) => m.name);
  if (uploaded.join() !== built.join())
    throw new Error(`wrangler uploaded ${uploaded.join(", ")} but the build has ${built.join(", ")}`);
  // The trivial worker uploaded together with Latchkey's on-demand modules, which it never imports: what those
  // modules cost a cold start when they are only compiled.
  const trivial = await esbuildDir("scripts/bench/trivial-worker.ts", join(OUT, "trivial"));
  const plusDir = join(OUT, "trivial-plus-on-demand");
  rmSync(plusDir, { recursive: true, force: true });
  cpSync(join(OUT, "trivial"), plusDir, { recursive: true });
  for (const m of production.modules.filter((x) => x.name !== "index.js")) {
    mkdirSync(dirname(join(plusDir, m.name)), { recursive: true });
    cpSync(resolve(ROOT, "dist/worker", m.name), join(plusDir, m.name));
  }
  const metafile = JSON.parse(readFileSync(metaPath, "utf8"));
  const withoutAdmin = uploadWithout(metafile, production, "src/admin/", "without-admin");
  const withoutFederation = uploadWithout(metafile, production, "src/federation/", "without-federation");
  return {
    production: { dir: resolve(ROOT, "dist/worker"), wrangler, ...production },
    withoutAdmin,
    withoutFederation,
    // OpenAuth's issuer, bundled the same way, for the startup comparison (scripts/bench/openauth-worker.ts).
    openauth: {
      dir: join(OUT, "openauth"),
      ...(await esbuildDir("scripts/bench/openauth-worker.ts", join(OUT, "openauth"))),
    },
    trivialPlusOnDemand: { dir: plusDir },
    bench: { dir: join(OUT, "bench"), ...(await esbuildDir("scripts/bench/bench-worker.ts", join(OUT, "bench"))) },
    trivial: { dir: join(OUT, "trivial"), ...trivial },
    // The same app as one module (what `wrangler deploy` bundles without code splitting), for comparison only.
    oneBundle: {
      dir: join(OUT, "one-bundle"),
      ...(await esbuildDir("src/index.ts", join(OUT, "one-bundle"), { splitting: false })),
    },
  };
}

/**
 * The upload without a lazily loaded part (the admin API and console, `src/admin/`; federation, `src/federation/`):
 * every module the Worker can reach except through a dynamic import of that part's entry. workerd compiles every
 * uploaded module, so the cold-start difference between this and the real upload is what the part costs the sign-in
 * and token paths.
 */
function uploadWithout(metafile, production, entryPrefix, dirName) {
  const outputs = metafile.outputs;
  const keyOf = (f) => Object.keys(outputs).find((k) => resolve(ROOT, k) === resolve(ROOT, "dist/worker", f));
  const isAdminEntry = (k) => outputs[k]?.entryPoint?.startsWith(entryPrefix);
  const kept = new Set();
  const walk = (k) => {
    if (!k || kept.has(k) || !outputs[k]) return;
    kept.add(k);
    for (const imp of outputs[k].imports) {
      if (imp.kind === "dynamic-import" && isAdminEntry(imp.path)) continue;
      walk(imp.path);
    }
  };
  walk(keyOf("index.js"));
  const dir = join(OUT, dirName);
  rmSync(dir, { recursive: true, force: true });
  const admin = [];
  for (const m of production.modules) {
    if (!kept.has(keyOf(m.name))) {
      admin.push(m);
      continue;
    }
    mkdirSync(dirname(join(dir, m.name)), { recursive: true });
    cpSync(resolve(ROOT, "dist/worker", m.name), join(dir, m.name));
  }
  const sum = (field) => admin.reduce((n, m) => n + m[field], 0);
  return { dir, adminModules: admin.map((m) => m.name), admin: { raw: sum("raw"), gzip: sum("gzip") } };
}

export { jsFiles };
