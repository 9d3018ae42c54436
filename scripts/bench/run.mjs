// `npm run bench`: builds the Worker, measures bundle size and cold start, storage round trips per flow,
// throughput of each flow beside its crypto-only bound, and a mixed load run; writes docs/performance.md.
// Everything runs on this machine: workerd on loopback, state in a temporary directory removed at the end.
// Flags: --seconds N (per flow and per bound, default 10), --concurrency N (default 8), --load-seconds N (default 600;
// 0 skips the load run), --cold-runs N (default 20), --users N (default 200), --batch N (largest batch of prepared
// single-use requests, default 2000),
// --routing-seconds N (per flow and variant in the wrangler dev routing phase, default 5; 0 skips it),
// --state-dir DIR (where local D1/KV/DO state lives; default /dev/shm when present, else the OS temp dir),
// --out PATH (default docs/performance.md).
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { buildAll, OUT } from "./lib/build.mjs";
import { measureColdStarts, median } from "./lib/cold-start.mjs";
import { mergeSummaries } from "./lib/cpu-profile.mjs";
import { measureDevRouting } from "./lib/dev-routing.mjs";
import { Flows, storageOf } from "./lib/flows.mjs";
import { Client, closedLoop } from "./lib/http.mjs";
import { cpuSeconds, memoryKiB, startProvider } from "./lib/provider.mjs";
import { writeReport } from "./lib/report.mjs";
import { ROOT, WORKERD_VERSION, WRANGLER_VERSION, wranglerSettings } from "./lib/tools.mjs";

/** tmpfs when there is one: the bench measures the Worker, not this machine's disk flushes (see docs/performance.md). */
function defaultStateDir() {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return os.tmpdir();
  }
}

function flags(argv) {
  const defaults = {
    seconds: 10,
    concurrency: 8,
    "load-seconds": 600,
    "cold-runs": 20,
    users: 200,
    batch: 2000,
    "routing-seconds": 5,
    "state-dir": defaultStateDir(),
    out: "docs/performance.md",
  };
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m || !(m[1] in defaults))
      throw new Error(
        `unknown flag ${argv[i]} (flags: ${Object.keys(defaults)
          .map((k) => `--${k}`)
          .join(" ")})`,
      );
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    out[m[1]] = typeof defaults[m[1]] === "number" ? Number(value) : value;
    if (typeof defaults[m[1]] === "number" && !(Number.isFinite(out[m[1]]) && out[m[1]] >= 0))
      throw new Error(`--${m[1]} must be a number >= 0`);
  }
  return out;
}

const opts = flags(process.argv.slice(2));
const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

/**
 * A phase with the CPU the workerd process and this client used while it ran (fraction of one core), and, when a
 * profiler is given, a CPU profile of the Worker's isolate summarized by package.
 */
async function withCpu(pid, fn, prof = null) {
  const w0 = cpuSeconds(pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = prof ? await prof.run(fn) : await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { ...result, workerdCpu: (cpuSeconds(pid) - w0) / wall, clientCpu: (c.user + c.system) / 1e6 / wall };
}

/** Adds up parts of one measurement (alternating rounds, batches). */
function combine(parts) {
  const seconds = parts.reduce((n, p) => n + p.seconds, 0);
  const ok = parts.reduce((n, p) => n + p.ok, 0);
  const weighted = (k) => parts.reduce((n, p) => n + p[k] * p.seconds, 0) / seconds;
  const profiles = parts.map((p) => p.profile).filter(Boolean);
  return {
    ok,
    errors: parts.reduce((n, p) => n + p.errors, 0),
    errorSamples: parts.flatMap((p) => p.errorSamples).slice(0, 5),
    seconds,
    perSecond: ok / seconds,
    p50Ms: median(parts.map((p) => p.p50Ms)),
    p99Ms: Math.max(...parts.map((p) => p.p99Ms)),
    workerdCpu: weighted("workerdCpu"),
    clientCpu: weighted("clientCpu"),
    profile: profiles.length ? mergeSummaries(profiles) : null,
  };
}

/**
 * A flow and its bounds, `rounds` times in alternation (flow, bound, …, flow, bound, …), `seconds` in total each, so a
 * change in what else the machine does hits all alike.
 */
async function alternating(rounds, seconds, phases) {
  const parts = phases.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (const [k, phase] of phases.entries()) parts[k].push(await phase(seconds / rounds));
  }
  return parts.map(combine);
}

/**
 * A flow whose requests need preparing (fresh challenges, codes): batches are prepared untimed, then only the flow
 * requests are timed, until `seconds` of timed work. The next batch is sized from the rate seen so far.
 */
async function batchedPhase({ prepare, run, seconds, batch }) {
  const parts = [];
  let timed = 0;
  let size = Math.min(batch, 200);
  while (timed < seconds) {
    const r = await run(await prepare(size));
    parts.push(r);
    timed += r.seconds;
    size = Math.max(50, Math.min(batch, Math.ceil(r.perSecond * (seconds - timed) * 1.05)));
  }
  return combine(parts);
}

async function main() {
  const startedAt = new Date();
  const machine = {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    wrangler: WRANGLER_VERSION,
    workerd: WORKERD_VERSION,
    loadAtStart: os.loadavg().map((x) => x.toFixed(2)),
  };
  log(`machine: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAtStart.join(" ")}`);

  log("building (wrangler deploy --dry-run, bench entry, trivial worker, one-bundle comparison)");
  const builds = await buildAll();

  log(`cold start: ${opts["cold-runs"]} runs per variant`);
  const cold = await measureColdStarts(
    {
      trivial: { dir: builds.trivial.dir },
      latchkey: { dir: builds.production.dir },
      trivialPlusOnDemand: { dir: builds.trivialPlusOnDemand.dir },
      latchkeyLazyRegistry: { dir: builds.production.dir, flags: ["new_module_registry"] },
      oneBundle: { dir: builds.oneBundle.dir },
      latchkeyWithoutAdmin: { dir: builds.withoutAdmin.dir },
      latchkeyWithoutFederation: { dir: builds.withoutFederation.dir },
      // OpenAuth's Cloudflare example runs with nodejs_compat (its storage module imports node:fs).
      openauth: {
        dir: builds.openauth.dir,
        flags: ["nodejs_compat"],
        path: "/.well-known/oauth-authorization-server",
      },
    },
    { runs: opts["cold-runs"], profileRuns: Math.max(3, Math.ceil(opts["cold-runs"] / 4)) },
  );

  const persistRoot = mkdtempSync(join(opts["state-dir"], "latchkey-bench-"));
  const { vars } = wranglerSettings();
  const issuer = new URL(vars.ISSUER);
  let provider = await startProvider({ dir: builds.bench.dir, persistRoot, migrate: true });
  const C = opts.concurrency;
  let client = new Client(provider.base, C);
  let flows = new Flows(client, { origin: issuer.origin, rpId: vars.RP_ID || issuer.hostname });
  const result = {
    startedAt: startedAt.toISOString(),
    opts,
    machine,
    builds,
    cold,
    storage: {},
    throughput: {},
    firstCeremony: null,
    load: null,
    serverLogs: {},
  };
  let prof = null;

  try {
    log(`setup: ${opts.users} users with passkeys, one client`);
    const users = await flows.seedUsers(opts.users);
    const rp = await flows.registerClient();
    const machine = await flows.registerMachineClient();
    const browser = await flows.browser();

    // The first ceremony on this isolate loads the WebAuthn module; later ones find it loaded.
    {
      const t0 = performance.now();
      await flows.signInOptions(browser);
      const first = performance.now() - t0;
      const later = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        await flows.signInOptions(browser);
        later.push(performance.now() - t);
      }
      result.firstCeremony = { firstMs: first, laterMedianMs: median(later) };
    }

    // ---------------------------------------------------------------- storage round trips
    log("storage round trips per flow (counting bindings)");
    const sessions = [];
    const refreshTokens = [];
    let u = 0;
    const nextUser = () => users[u++ % users.length];
    const signIn = async () =>
      flows.signInVerify(browser, flows.signInBody(nextUser(), await flows.signInOptions(browser)));
    // Warm the isolate: first signing key creation, client cache.
    {
      const s = await signIn();
      sessions.push(s.session);
      const a = await flows.authorize(rp, s.session);
      refreshTokens.push((await flows.exchange(rp, a.code, a.verifier)).tokens.refresh_token);
      await flows.clientCredentials(machine);
    }
    flows.extra = { "x-bench-count": "1" };
    const counted = {};
    const count = async (name, fn) => {
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(storageOf((await fn()).res));
      counted[name] = runs;
    };
    await count("signInOptions", async () => {
      const res = await client.request("POST", "/auth/passkey/options", {
        headers: {
          "x-bench-count": "1",
          cookie: browser.cookie,
          "x-csrf-token": browser.csrf,
          "content-type": "application/json",
        },
        body: "{}",
      });
      if (res.status !== 200) throw new Error(`options ${res.status}`);
      return { res };
    });
    await count("signInVerify", async () => {
      flows.extra = {};
      const challenge = await flows.signInOptions(browser);
      flows.extra = { "x-bench-count": "1" };
      const r = await flows.signInVerify(browser, flows.signInBody(nextUser(), challenge));
      sessions.push(r.session);
      return r;
    });
    await count("authorizeSso", async () => flows.authorize(rp, sessions[0]));
    await count("tokenExchangeWarm", async () => {
      flows.extra = {};
      const a = await flows.authorize(rp, sessions[1]);
      flows.extra = { "x-bench-count": "1" };
      const r = await flows.exchange(rp, a.code, a.verifier);
      refreshTokens.push(r.tokens.refresh_token);
      return r;
    });
    await count("refreshWarm", async () => {
      const r = await flows.refresh(rp, refreshTokens.pop());
      refreshTokens.push(r.tokens.refresh_token);
      return r;
    });
    await count("clientCredentialsWarm", () => flows.clientCredentials(machine));
    await count("jwksWarm", () => flows.jwks());
    await count("discovery", () => flows.discovery());
    flows.extra = {};

    // Cold isolates: a fresh workerd process on the same state, the counted request first.
    const restart = async () => {
      result.serverLogs.bench = mergeLogs(result.serverLogs.bench, provider.logs);
      client.close();
      await provider.dispose();
      provider = await startProvider({ dir: builds.bench.dir, persistRoot, migrate: false });
      client = new Client(provider.base, C);
      flows = new Flows(client, { origin: flows.origin, rpId: flows.rpId });
    };
    const pendingCode = await flows.authorize(rp, sessions[2]);
    await restart();
    flows.extra = { "x-bench-count": "1" };
    counted.tokenExchangeCold = [storageOf((await flows.exchange(rp, pendingCode.code, pendingCode.verifier)).res)];
    flows.extra = {};
    await restart();
    flows.extra = { "x-bench-count": "1" };
    {
      const r = await flows.refresh(rp, refreshTokens.pop());
      refreshTokens.push(r.tokens.refresh_token);
      counted.refreshCold = [storageOf(r.res)];
    }
    flows.extra = {};
    await restart();
    flows.extra = { "x-bench-count": "1" };
    counted.jwksCold = [storageOf((await flows.jwks()).res)];
    flows.extra = {};
    result.storage = counted;

    // ---------------------------------------------------------------- throughput
    const pid = provider.pid;
    const T = opts.seconds;
    prof = await provider.profiler();
    const tp = {};
    const b2 = await flows.browser();
    const measure = (fn) => withCpu(pid, fn, prof);
    const R = 3;
    log(`throughput: ${T} s per flow and per bound, in ${R} alternating rounds, concurrency ${C}`);
    const timed = (job) => (seconds) => measure(() => closedLoop({ concurrency: C, seconds, job }));
    // A bound receives a request like the flow's (same body size and type) and reads it before its work.
    const sampleSignIn = flows.signInBody(users[0], "x".repeat(43));
    const sampleForm = {
      type: "application/x-www-form-urlencoded",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: `${users[0].id}.${"c".repeat(43)}`,
        redirect_uri: "http://127.0.0.1/bench/callback",
        code_verifier: "v".repeat(43),
      }).toString(),
    };
    // … and answers with as many bytes as the flow's response (one sample of each, taken now).
    const answerBytes = {};
    {
      const s = await flows.signInVerify(b2, flows.signInBody(nextUser(), await flows.signInOptions(b2)));
      answerBytes.signin = Buffer.byteLength(s.res.text);
      const a = await flows.authorize(rp, s.session);
      const e = await flows.exchange(rp, a.code, a.verifier);
      answerBytes.token = Buffer.byteLength(e.res.text);
      answerBytes.refresh = Buffer.byteLength((await flows.refresh(rp, e.tokens.refresh_token)).res.text);
      answerBytes.clientCredentials = Buffer.byteLength((await flows.clientCredentials(machine)).res.text);
    }
    const boundBodies = {
      signin: { type: "application/json", body: sampleSignIn },
      token: sampleForm,
      refresh: sampleForm,
      clientCredentials: {
        type: "application/x-www-form-urlencoded",
        body: new URLSearchParams({ grant_type: "client_credentials", resource: machine.resource }).toString(),
      },
    };
    const bound = (name) => {
      const flow = name.split("+")[0];
      return timed(async () => JSON.parse((await flows.bound(name, boundBodies[flow], answerBytes[flow])).res.text));
    };
    const staticBound = (name) => timed(async () => JSON.parse((await flows.staticBound(name)).res.text));

    log("  passkey sign-in verify");
    [tp.signIn, tp.signInBound, tp.signInStorageBound] = await alternating(R, T, [
      (seconds) =>
        batchedPhase({
          seconds,
          batch: opts.batch,
          prepare: async (n) => {
            const bodies = [];
            await closedLoop({
              concurrency: C,
              count: n,
              job: async () => bodies.push(flows.signInBody(nextUser(), await flows.signInOptions(b2))),
            });
            return bodies;
          },
          run: (bodies) =>
            measure(() =>
              closedLoop({
                concurrency: C,
                count: bodies.length,
                job: async (i) => {
                  const r = await flows.signInVerify(b2, bodies[i]);
                  if (sessions.length < 2000) sessions.push(r.session);
                },
              }),
            ),
        }),
      bound("signin"),
      bound("signin+storage"),
    ]);

    log("  code → token exchange");
    let s = 0;
    [tp.token, tp.tokenBound, tp.tokenStorageBound] = await alternating(R, T, [
      (seconds) =>
        batchedPhase({
          seconds,
          batch: opts.batch,
          prepare: async (n) => {
            const codes = [];
            await closedLoop({
              concurrency: C,
              count: n,
              job: async () => codes.push(await flows.authorize(rp, sessions[s++ % sessions.length])),
            });
            return codes;
          },
          run: (codes) =>
            measure(() =>
              closedLoop({
                concurrency: C,
                count: codes.length,
                job: async (i) => {
                  const r = await flows.exchange(rp, codes[i].code, codes[i].verifier);
                  if (refreshTokens.length < 4000) refreshTokens.push(r.tokens.refresh_token);
                },
              }),
            ),
        }),
      bound("token"),
      bound("token+storage"),
    ]);

    log("  refresh grant");
    [tp.refresh, tp.refreshBound, tp.refreshStorageBound] = await alternating(R, T, [
      timed(async () => {
        // Each token is held by one caller at a time: a rotated token is never presented twice.
        const token = refreshTokens.shift();
        const r = await flows.refresh(rp, token);
        refreshTokens.push(r.tokens.refresh_token);
      }),
      bound("refresh"),
      bound("refresh+storage"),
    ]);

    log("  client_credentials grant");
    [tp.clientCredentials, tp.clientCredentialsBound] = await alternating(R, T, [
      timed(() => flows.clientCredentials(machine)),
      bound("clientCredentials"),
    ]);

    log("  JWKS and discovery");
    await flows.setStatic("jwks", (await flows.jwks()).res);
    await flows.setStatic("discovery", (await flows.discovery()).res);
    [tp.jwks, tp.jwksBound] = await alternating(R, T, [timed(() => flows.jwks()), staticBound("jwks")]);
    [tp.discovery, tp.discoveryBound] = await alternating(R, T, [
      timed(() => flows.discovery()),
      staticBound("discovery"),
    ]);
    result.throughput = tp;
    result.boundAnswerBytes = answerBytes;
    prof.close();
    prof = null;
    result.serverLogs.bench = mergeLogs(result.serverLogs.bench, provider.logs);

    // ---------------------------------------------------------------- the asset router under wrangler dev
    if (opts["routing-seconds"] > 0) {
      log(
        `routing: JWKS, token and refresh under wrangler dev with and without the asset router first, ${opts["routing-seconds"]} s each`,
      );
      result.devRouting = await measureDevRouting({
        dir: builds.bench.dir,
        seconds: opts["routing-seconds"],
        concurrency: C,
        log,
      });
    }

    // ---------------------------------------------------------------- load run (the production build)
    if (opts["load-seconds"] > 0) {
      client.close();
      await provider.dispose();
      provider = await startProvider({ dir: builds.production.dir, persistRoot, migrate: false });
      client = new Client(provider.base, C);
      flows = new Flows(client, { origin: flows.origin, rpId: flows.rpId });
      log(`load run: ${opts["load-seconds"]} s, mixed flows, concurrency ${C}, production build`);
      result.load = await loadRun({
        flows,
        provider,
        users,
        rp,
        sessions,
        refreshTokens,
        seconds: opts["load-seconds"],
        concurrency: C,
        log,
      });
      result.serverLogs.load = mergeLogs(undefined, provider.logs);
    }
  } finally {
    prof?.close();
    client.close();
    await provider.dispose();
    rmSync(persistRoot, { recursive: true, force: true });
  }

  result.machine.loadAtEnd = os.loadavg().map((x) => x.toFixed(2));
  result.finishedAt = new Date().toISOString();
  writeFileSync(join(OUT, "results.json"), JSON.stringify(result, null, 2));
  const out = resolve(ROOT, opts.out);
  writeReport(out, result);
  log(`wrote ${out} and ${join(OUT, "results.json")}`);
}

function mergeLogs(a, b) {
  const out = a ? { count: { ...a.count }, samples: [...a.samples] } : { count: { warn: 0, error: 0 }, samples: [] };
  out.count.warn += b.count.warn;
  out.count.error += b.count.error;
  out.samples.push(...b.samples.slice(0, 20 - out.samples.length));
  return out;
}

/**
 * Mixed flows at the local ceiling: each caller repeatedly picks a flow (weights below), every answer checked.
 * Samples workerd's RSS every 5 s and completed requests per 10 s window.
 */
async function loadRun({ flows, provider, users, rp, sessions, refreshTokens, seconds, concurrency, log }) {
  const mix = [
    ["signIn", 15],
    ["codeFlow", 15],
    ["refresh", 30],
    ["jwks", 20],
    ["discovery", 20],
  ];
  const total = mix.reduce((n, [, w]) => n + w, 0);
  const pick = () => {
    let r = Math.random() * total;
    for (const [name, w] of mix) {
      r -= w;
      if (r < 0) return name;
    }
    return mix[0][0];
  };
  const browser = await flows.browser();
  let u = 0;
  const requests = { signIn: 0, codeFlow: 0, refresh: 0, jwks: 0, discovery: 0 };
  const steps = {
    signIn: async () => {
      const challenge = await flows.signInOptions(browser);
      const r = await flows.signInVerify(browser, flows.signInBody(users[u++ % users.length], challenge));
      sessions.push(r.session);
      if (sessions.length > 1000) sessions.shift();
      return 2;
    },
    codeFlow: async () => {
      const a = await flows.authorize(rp, sessions[Math.floor(Math.random() * sessions.length)]);
      const r = await flows.exchange(rp, a.code, a.verifier);
      refreshTokens.push(r.tokens.refresh_token);
      if (refreshTokens.length > 2000) refreshTokens.shift();
      return 2;
    },
    refresh: async () => {
      // Each token is held by one caller at a time: a rotated token is never presented twice.
      const token = refreshTokens.shift();
      const r = await flows.refresh(rp, token);
      refreshTokens.push(r.tokens.refresh_token);
      return 1;
    },
    jwks: async () => {
      await flows.jwks();
      return 1;
    },
    discovery: async () => {
      await flows.discovery();
      return 1;
    },
  };
  const rss = [];
  const heap = [];
  const windows = [];
  const heaps = await provider.heaps();
  let done = 0;
  let windowStart = performance.now();
  let windowDone = 0;
  const t0 = performance.now();
  let ticks = 0;
  const sampler = setInterval(() => {
    const t = (performance.now() - t0) / 1000;
    rss.push({ t, ...memoryKiB(provider.pid) });
    // Every 30 s, the V8 heap of each isolate (no forced GC: sampling must not change the run).
    if (++ticks % 6 === 0) heaps.sample().then((h) => heap.push({ t, ...h }));
  }, 5000);
  const progress = setInterval(() => {
    const now = performance.now();
    windows.push({ t: (now - t0) / 1000, perSecond: windowDone / ((now - windowStart) / 1000) });
    windowStart = now;
    windowDone = 0;
    if (windows.length % 6 === 0)
      log(
        `  ${Math.round((now - t0) / 1000)} s: ${done} requests, ${windows.at(-1).perSecond.toFixed(0)} req/s, workerd RSS ${((memoryKiB(provider.pid)?.rss ?? 0) / 1024).toFixed(0)} MiB`,
      );
  }, 10_000);
  rss.push({ t: 0, ...memoryKiB(provider.pid) });
  const w0 = cpuSeconds(provider.pid);
  let r;
  try {
    r = await closedLoop({
      concurrency,
      seconds,
      job: async () => {
        const flow = pick();
        const n = await steps[flow]();
        requests[flow] += n;
        done += n;
        windowDone += n;
      },
    });
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
  }
  heap.push({ t: (performance.now() - t0) / 1000, ...(await heaps.sample()) });
  heaps.close();
  rss.push({ t: (performance.now() - t0) / 1000, ...memoryKiB(provider.pid) });
  const workerdCpu = (cpuSeconds(provider.pid) - w0) / r.seconds;
  return { ...r, requests, requestsTotal: done, requestsPerSecond: done / r.seconds, rss, heap, windows, workerdCpu };
}

await main();
