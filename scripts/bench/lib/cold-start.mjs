// Cold start: workerd started on a build directory (every module of the upload, the Durable Object classes, the
// [vars]) and timed to the first 200 of /healthz; and the startup CPU profile, as `wrangler check startup` takes it.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { jsFiles } from "./build.mjs";
import { inspect } from "./inspector.mjs";
import { WORKERD, wranglerSettings } from "./tools.mjs";

// workerd's `cloudflare:email` needs this internal module; miniflare (and Cloudflare) provide it. Same for every variant.
const EMAIL_EXTENSION =
  'extensions = [(modules = [(name = "cloudflare-internal:email", internal = true, esModule = "export default { EmailMessage: class EmailMessage { constructor(from, to, raw) { this.from = from; this.to = to; this.raw = raw; } } };")])],';

/**
 * A workerd config for the modules in `dir`. `profile` puts a first module in front that imports the main one on
 * the first request (so a profiler attached after startup sees the whole evaluation), as `wrangler check startup` does.
 */
function writeConfig(dir, { profile, flags = [], probePath = "/healthz" }) {
  const { compatibilityDate, compatibilityFlags: configured, vars } = wranglerSettings();
  const compatibilityFlags = [...configured, ...flags];
  const modules = jsFiles(dir)
    .filter((f) => !f.startsWith("__"))
    .map((f) => `(name = ${JSON.stringify(f)}, esModule = embed ${JSON.stringify(f)})`);
  const bindings = Object.entries(vars).map(([k, v]) => `(name = ${JSON.stringify(k)}, text = ${JSON.stringify(v)})`);
  let objects = "";
  if (profile) {
    writeFileSync(
      join(dir, "__profile.js"),
      `export default { async fetch(request, env, ctx) {
  const main = await import("./index.js");
  if (new URL(request.url).pathname === "/with-first-request") await (await main.default.fetch(new Request("http://localhost:8787${probePath}"), env, ctx)).text();
  return new Response("ok");
} };\n`,
    );
    modules.unshift('(name = "__profile.js", esModule = embed "__profile.js")');
  } else {
    bindings.push(
      '(name = "USER", durableObjectNamespace = "UserDO")',
      '(name = "LIMITER", durableObjectNamespace = "LimiterDO")',
    );
    objects = `durableObjectNamespaces = [(className = "UserDO", uniqueKey = "bench-user", enableSql = true), (className = "LimiterDO", uniqueKey = "bench-limiter", enableSql = true)],
  durableObjectStorage = (inMemory = void),`;
  }
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
  ${EMAIL_EXTENSION}
);
const worker :Workerd.Worker = (
  modules = [${modules.join(", ")}],
  compatibilityDate = ${JSON.stringify(compatibilityDate)},
  compatibilityFlags = [${compatibilityFlags.map((f) => JSON.stringify(f)).join(", ")}],
  bindings = [${bindings.join(", ")}],
  ${objects}
);
`;
  const path = join(dir, `__${profile ? "profile" : "bench"}${flags.map((f) => `-${f}`).join("")}.capnp`);
  writeFileSync(path, config);
  return path;
}

/** Starts workerd and resolves with its ports once it reports listening (control fd 3). */
function startWorkerd(configPath, extraArgs = []) {
  const child = spawn(WORKERD, ["serve", "--experimental", "--control-fd=3", ...extraArgs, configPath], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const ports = {};
  const ready = new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`workerd exited (${code}) before listening:\n${stderr}`)));
    let buf = "";
    child.stdio[3].on("data", (d) => {
      buf += d;
      const lines = buf.split("\n");
      buf = lines.pop();
      for (const line of lines) {
        const m = JSON.parse(line);
        if (m.event === "listen") ports.http = m.port;
        if (m.event === "listen-inspector") ports.inspector = m.port;
      }
      if (ports.http && (ports.inspector || !extraArgs.length)) resolve(ports);
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
  };
  return { child, ready, stop };
}

/** CPU time (ms) a process has used so far, all threads, from the scheduler's nanosecond counters. */
function processCpuMs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`))
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  return ns / 1e6;
}

/** One cold start: spawn → listening → first 200 of `path` (/healthz for Latchkey and the trivial worker). */
async function coldStartOnce(configPath, path = "/healthz") {
  const t0 = performance.now();
  const w = startWorkerd(configPath);
  try {
    const { http } = await w.ready;
    const tListen = performance.now();
    const res = await fetch(`http://127.0.0.1:${http}${path}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    const tFirst = performance.now();
    return {
      listenMs: tListen - t0,
      firstRequestMs: tFirst - tListen,
      totalMs: tFirst - t0,
      cpuMs: processCpuMs(w.child.pid),
    };
  } finally {
    await w.stop();
  }
}

/** CPU time (ms) of the profiled region: every sample that is not idle. Sampling interval 100 µs. */
async function profileOnce(configPath, path) {
  const w = startWorkerd(configPath, ["--inspector-addr=127.0.0.1:0"]);
  try {
    const ports = await w.ready;
    const { call, close } = await inspect(`ws://127.0.0.1:${ports.inspector}/main`, 10_000);
    await call("Profiler.enable");
    await call("Profiler.setSamplingInterval", { interval: 100 });
    await call("Profiler.start");
    const res = await fetch(`http://127.0.0.1:${ports.http}${path}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`profiled request answered ${res.status}`);
    const { profile } = await call("Profiler.stop");
    close();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    let busyUs = 0;
    profile.samples.forEach((s, i) => {
      if (byId.get(s).callFrame.functionName !== "(idle)") busyUs += profile.timeDeltas[i] ?? 0;
    });
    return busyUs / 1000;
  } finally {
    await w.stop();
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Cold start and startup CPU of each variant ({ name: { dir, flags } }), interleaved run by run so drift on a shared
 * machine hits every variant alike. Returns medians and the raw samples.
 */
export async function measureColdStarts(variants, { runs, profileRuns }) {
  const configs = Object.fromEntries(
    Object.entries(variants).map(([name, { dir, flags, path }]) => [
      name,
      {
        cold: writeConfig(dir, { profile: false, flags, probePath: path }),
        profile: writeConfig(dir, { profile: true, flags, probePath: path }),
        path,
      },
    ]),
  );
  const samples = Object.fromEntries(
    Object.keys(variants).map((n) => [n, { cold: [], startupCpu: [], startupAndFirstCpu: [] }]),
  );
  // One unmeasured start each: page cache, binary loading.
  for (const name of Object.keys(variants)) await coldStartOnce(configs[name].cold, configs[name].path);
  for (let i = 0; i < runs; i++)
    for (const name of Object.keys(variants))
      samples[name].cold.push(await coldStartOnce(configs[name].cold, configs[name].path));
  for (let i = 0; i < profileRuns; i++) {
    for (const name of Object.keys(variants)) {
      samples[name].startupCpu.push(await profileOnce(configs[name].profile, "/"));
      samples[name].startupAndFirstCpu.push(await profileOnce(configs[name].profile, "/with-first-request"));
    }
  }
  const result = {};
  for (const [name, s] of Object.entries(samples)) {
    result[name] = {
      totalMs: median(s.cold.map((c) => c.totalMs)),
      listenMs: median(s.cold.map((c) => c.listenMs)),
      firstRequestMs: median(s.cold.map((c) => c.firstRequestMs)),
      p90TotalMs: [...s.cold.map((c) => c.totalMs)].sort((a, b) => a - b)[Math.floor(s.cold.length * 0.9)],
      cpuMs: median(s.cold.map((c) => c.cpuMs)),
      startupCpuMs: median(s.startupCpu),
      startupAndFirstCpuMs: median(s.startupAndFirstCpu),
      runs: s.cold.length,
    };
  }
  return result;
}
