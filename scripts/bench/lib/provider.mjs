// The provider under test: one workerd process started through wrangler's miniflare on a build directory, with
// local D1 (migrated), KV and SQLite-backed Durable Objects persisted under `persistRoot`, listening on loopback.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { jsFiles } from "./build.mjs";
import { sourceLocator, summarizeProfile } from "./cpu-profile.mjs";
import { inspect } from "./inspector.mjs";
import { loadMiniflare, ROOT, wranglerSettings } from "./tools.mjs";

export const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
export const KEY_ENCRYPTION_SECRET = "bench-key-encryption-secret-0123456789abcdef";

function workerdChildren() {
  const out = new Set();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8").trim();
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat);
      const ppid = Number(rest.split(" ")[1]);
      if (ppid === process.pid && comm.startsWith("workerd")) out.add(Number(entry));
    } catch {
      // process went away
    }
  }
  return out;
}

/**
 * Resident memory of a process in KiB: total (VmRSS) and its parts — anonymous (heaps: V8, SQLite caches, buffers),
 * file-backed and shared (mapped storage files). Null when the process is gone.
 */
export function memoryKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rss: field("VmRSS"), anon: field("RssAnon"), file: field("RssFile"), shmem: field("RssShmem") };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
    .trim()
    .replace(/^.*\) /, "")
    .split(" ");
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (1-based), i.e. 11 and 12 after "(comm) ".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function applyMigrations(mf) {
  const d1 = await mf.getD1Database("DB");
  const dir = join(ROOT, "migrations");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const statements = readFileSync(join(dir, file), "utf8")
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .filter(Boolean);
    await d1.batch(statements.map((s) => d1.prepare(s)));
  }
}

/** Starts the provider; `migrate` on the first start of a fresh persistRoot. */
export async function startProvider({ dir, persistRoot, migrate }) {
  const Miniflare = await loadMiniflare();
  const { compatibilityDate, compatibilityFlags, vars } = wranglerSettings();
  const before = workerdChildren();
  const logs = { count: { warn: 0, error: 0 }, samples: [] };
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modulesRoot: dir,
    modules: jsFiles(dir)
      .filter((f) => !f.startsWith("__"))
      .map((f) => ({ type: "ESModule", path: join(dir, f) })),
    compatibilityDate,
    compatibilityFlags,
    bindings: { ...vars, ADMIN_TOKEN, KEY_ENCRYPTION_SECRET },
    d1Databases: { DB: "latchkey-bench" },
    kvNamespaces: { KV: "latchkey-bench" },
    durableObjects: {
      USER: { className: "UserDO", useSQLite: true },
      LIMITER: { className: "LimiterDO", useSQLite: true },
    },
    defaultPersistRoot: persistRoot,
    // The inspector lets the bench take CPU profiles of the Worker's isolate (idle unless a profile is running).
    inspectorPort: 0,
    // Kept out of the terminal; warnings and errors are counted into the report.
    handleStructuredLogs: ({ level, message }) => {
      if (level !== "warn" && level !== "error") return;
      logs.count[level] += 1;
      if (logs.samples.length < 20) logs.samples.push(`${level}: ${message.slice(0, 300)}`);
    },
  });
  const url = await mf.ready;
  if (migrate) await applyMigrations(mf);
  const pids = [...workerdChildren()].filter((p) => !before.has(p));
  if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`);
  const inspector = await mf.getInspectorURL();
  return {
    mf,
    base: url.href.replace(/\/$/, ""),
    pid: pids[0],
    logs,
    profiler: () => profiler(inspector, dir),
    heaps: () => heapSampler(inspector),
    dispose: () => mf.dispose(),
  };
}

/**
 * V8 heap size of every isolate in the process: the Worker ("core:user:") and miniflare's own (D1 and KV simulators,
 * entry worker). `sample()` resolves { name: MiB }; an isolate that does not answer within 2 s is left out.
 */
async function heapSampler(inspector) {
  const list = await (await fetch(new URL("/json/list", inspector.href.replace(/^ws/, "http")))).json();
  const sessions = [];
  for (const target of list) {
    try {
      sessions.push({ name: target.id, ...(await inspect(target.webSocketDebuggerUrl, 2_000)) });
    } catch {
      // an isolate that does not accept a session is not sampled
    }
  }
  return {
    async sample() {
      const out = {};
      for (const s of sessions) {
        try {
          out[s.name] = (await s.call("Runtime.getHeapUsage")).totalSize / 2 ** 20;
        } catch {
          // busy or gone: no sample this time
        }
      }
      return out;
    },
    close: () => {
      for (const s of sessions) s.close();
    },
  };
}

/**
 * A CPU profiler on the Worker's isolate (miniflare's D1/KV simulators are other isolates). `run(fn)` profiles fn at
 * 1 ms sampling and returns its result with the profile summarized by package.
 */
async function profiler(inspector, dir) {
  const { call, close } = await inspect(new URL("/core:user:", inspector), 10_000);
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 1000 });
  const locate = sourceLocator(dir);
  return {
    async run(fn) {
      await call("Profiler.start");
      let result;
      try {
        result = await fn();
      } catch (err) {
        await call("Profiler.stop");
        throw err;
      }
      const { profile } = await call("Profiler.stop");
      return { ...result, profile: summarizeProfile(profile, locate) };
    },
    close,
  };
}
