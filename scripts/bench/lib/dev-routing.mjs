// The static-asset router in front of the Worker under `wrangler dev`: JWKS, token and refresh throughput with every
// request passing the router first (`run_worker_first = false`, the old setting) and with only `/assets/*` routed to
// assets (`run_worker_first = ["/*", "!/assets/*"]`, wrangler.toml). The rest of the bench talks to workerd through
// miniflare without the router; this phase runs the bench entry under real `wrangler dev`, variants alternating.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { Flows } from "./flows.mjs";
import { Client, closedLoop } from "./http.mjs";
import { ADMIN_TOKEN, KEY_ENCRYPTION_SECRET } from "./provider.mjs";
import { ROOT, wranglerSettings } from "./tools.mjs";

const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

const ROUTING_VARIANTS = {
  assetsFirst: false,
  workerFirst: ["/*", "!/assets/*"],
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `wrangler dev` on the bench build with the given `run_worker_first`; resolves once /healthz answers. */
async function startDev({ dir, workDir, runWorkerFirst }) {
  const { compatibilityDate, vars } = wranglerSettings();
  const port = await freePort();
  const config = {
    name: "latchkey-bench-routing",
    main: relative(workDir, join(dir, "index.js")),
    compatibility_date: compatibilityDate,
    no_bundle: true,
    find_additional_modules: true,
    base_dir: relative(workDir, dir),
    rules: [{ type: "ESModule", globs: ["**/*.js"], fallthrough: false }],
    assets: { directory: relative(workDir, join(ROOT, "public")), binding: "ASSETS", run_worker_first: runWorkerFirst },
    d1_databases: [
      {
        binding: "DB",
        database_name: "latchkey",
        database_id: "00000000-0000-0000-0000-000000000000",
        migrations_dir: relative(workDir, join(ROOT, "migrations")),
      },
    ],
    kv_namespaces: [{ binding: "KV", id: "00000000000000000000000000000000" }],
    durable_objects: {
      bindings: [
        { name: "USER", class_name: "UserDO" },
        { name: "LIMITER", class_name: "LimiterDO" },
      ],
    },
    migrations: [{ tag: "v1", new_sqlite_classes: ["UserDO", "LimiterDO"] }],
    vars: { ...vars, ADMIN_TOKEN, KEY_ENCRYPTION_SECRET },
  };
  const configPath = join(workDir, "wrangler.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  writeFileSync(join(workDir, "empty.env"), "");
  const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  const persist = join(workDir, "state");
  await run(
    process.execPath,
    [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--config", configPath, "--persist-to", persist],
    env,
  );
  const args = [
    WRANGLER,
    "dev",
    "--config",
    configPath,
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    persist,
    "--env-file",
    join(workDir, "empty.env"),
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    "--inspector-port",
    String(await freePort()),
  ];
  const child = spawn(process.execPath, args, { cwd: workDir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c) => (output = (output + c).slice(-4000)));
  child.stderr.on("data", (c) => (output = (output + c).slice(-4000)));
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone already
    }
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    if (Date.now() > deadline) {
      stop();
      throw new Error(`wrangler dev not ready:\n${output}`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base: `http://127.0.0.1:${port}`, stop };
}

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c) => (err += c));
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.slice(1, 4).join(" ")} failed:\n${err}`)),
    );
  });
}

/** One variant's JWKS, code → token and refresh throughput on a fresh `wrangler dev`. */
async function measureVariant({ dir, runWorkerFirst, seconds, concurrency, users: userCount }) {
  const workDir = mkdtempSync(join(ROOT, "dist", "bench", "routing-"));
  mkdirSync(workDir, { recursive: true });
  const dev = await startDev({ dir, workDir, runWorkerFirst });
  const client = new Client(dev.base, concurrency);
  try {
    const { vars } = wranglerSettings();
    const issuer = new URL(vars.ISSUER);
    const flows = new Flows(client, { origin: issuer.origin, rpId: vars.RP_ID || issuer.hostname });
    const users = await flows.seedUsers(userCount);
    const rp = await flows.registerClient();
    const browser = await flows.browser();
    const sessions = [];
    await closedLoop({
      concurrency,
      count: Math.min(userCount, 100),
      job: async (i) =>
        sessions.push(
          (await flows.signInVerify(browser, flows.signInBody(users[i], await flows.signInOptions(browser)))).session,
        ),
    });
    const loop = (job) => closedLoop({ concurrency, seconds, job });
    // Codes are prepared untimed; only the exchanges are timed.
    const codes = [];
    await closedLoop({
      concurrency,
      count: 600,
      job: async (i) => codes.push(await flows.authorize(rp, sessions[i % sessions.length])),
    });
    const refreshTokens = [];
    const token = await closedLoop({
      concurrency,
      count: codes.length,
      seconds,
      job: async (i) =>
        refreshTokens.push((await flows.exchange(rp, codes[i].code, codes[i].verifier)).tokens.refresh_token),
    });
    const refresh = await loop(async () => {
      const r = await flows.refresh(rp, refreshTokens.shift());
      refreshTokens.push(r.tokens.refresh_token);
    });
    const jwks = await loop(() => flows.jwks());
    return { jwks, token, refresh };
  } finally {
    client.close();
    dev.stop();
    await new Promise((r) => setTimeout(r, 500));
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Both variants, `rounds` times in alternation; per flow the requests per second of each round. */
export async function measureDevRouting({ dir, seconds, concurrency, rounds = 2, users = 100, log }) {
  const out = Object.fromEntries(
    Object.keys(ROUTING_VARIANTS).map((k) => [k, { jwks: [], token: [], refresh: [], errors: 0 }]),
  );
  for (let r = 0; r < rounds; r++) {
    for (const [name, runWorkerFirst] of Object.entries(ROUTING_VARIANTS)) {
      log(`  wrangler dev, run_worker_first = ${JSON.stringify(runWorkerFirst)} (round ${r + 1} of ${rounds})`);
      const m = await measureVariant({ dir, runWorkerFirst, seconds, concurrency, users });
      for (const flow of ["jwks", "token", "refresh"]) {
        out[name][flow].push(m[flow].perSecond);
        out[name].errors += m[flow].errors;
        if (m[flow].errors)
          out[name].errorSamples = [...(out[name].errorSamples ?? []), ...m[flow].errorSamples].slice(0, 5);
      }
    }
  }
  return out;
}
