/** End-to-end harness: a real SMTP mailbox, the provider under `wrangler dev`, and Chromium with a virtual authenticator. */
import { execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { simpleParser } from "mailparser";
import { chromium } from "playwright-core";
import { SMTPServer } from "smtp-server";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const RESULTS_DIR = join(ROOT, "test-results");
export const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";

/** A call to the admin API with the bootstrap token: its status and parsed body (null for 204). */
export async function adminApi(origin, method, path, body) {
  const res = await fetch(`${origin}/admin/api${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const READY_TIMEOUT_MS = 120_000;

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A throwaway directory under the OS temp dir (its owner removes it when done). */
function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `latchkey-e2e-${prefix}-`));
}

// ---------------------------------------------------------------------------------------------- mailbox

/** A real SMTP server on loopback (no auth required, no STARTTLS) keeping every message it accepts. */
async function startMailbox() {
  /** @type {{ to: string[], from: string, subject: string, text: string, html: string, receivedAt: number }[]} */
  const messages = [];
  const server = new SMTPServer({
    banner: "latchkey e2e mailbox",
    logger: false,
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    size: 1024 * 1024,
    onAuth(_auth, _session, callback) {
      callback(null, { user: "e2e" });
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          messages.push({
            to: session.envelope.rcptTo.map((a) => a.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            receivedAt: Date.now(),
          });
          callback();
        },
        (err) => callback(err),
      );
    },
  });
  // A client that drops its connection must not end the test process (smtp-server emits "error" for it).
  server.on("error", (err) => {
    if (err.code !== "ECONNRESET" && err.code !== "EPIPE") console.warn("e2e SMTP server:", err.message);
  });
  const port = await new Promise((resolvePort, reject) => {
    server.server.once("error", reject);
    server.server.listen(0, "127.0.0.1", () => resolvePort(server.server.address().port));
  });
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    /** Waits for the first message to `to` that arrived after `since` (ms epoch). */
    async waitFor(to, { since = 0, timeoutMs = 30_000 } = {}) {
      const want = to.toLowerCase();
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const hit = messages.find((m) => m.receivedAt >= since && m.to.includes(want));
        if (hit) return hit;
        await sleep(100);
      }
      throw new Error(`no mail for ${to} within ${timeoutMs} ms (mailbox holds ${messages.length} message(s))`);
    },
    close() {
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** The sign-in link in a magic-link mail (plain-text part). */
export function magicLinkIn(mail, origin) {
  const escaped = origin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${escaped}/auth/link\\?token=[A-Za-z0-9_-]+`).exec(mail.text);
  if (!m) throw new Error(`no ${origin}/auth/link?token=… in the mail text:\n${mail.text}`);
  return m[0];
}

// ---------------------------------------------------------------------------------------------- provider

/** Builds public/assets/app.js (the hosted pages' script) once per process. */
let pageBuilt = false;
function buildPage() {
  if (pageBuilt) return;
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-page.mjs")], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  pageBuilt = true;
}

const running = new Set();
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
// Last resort if the test process dies without running its hooks: never leave wrangler/workerd behind.
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    for (const child of running) killGroup(child, "SIGKILL");
    process.exit(128 + (sig === "SIGINT" ? 2 : 15));
  });
}

/**
 * Starts the provider under `wrangler dev` with fresh local state (D1 migrated, empty KV/DO), mail going to `smtpUrl`.
 * Configuration comes from --var only, so a developer's .dev.vars (if any) cannot change what is tested.
 */
async function startProvider({ smtpUrl, name = "provider" }) {
  buildPage();
  const persistTo = tempDir("state");
  const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" };
  try {
    execFileSync(
      process.execPath,
      [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
      {
        cwd: ROOT,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
  } catch (err) {
    rmSync(persistTo, { recursive: true, force: true });
    throw new Error(`applying D1 migrations failed:\n${err.stderr?.toString() ?? err}`);
  }
  const port = await freePort();
  const inspectorPort = await freePort();
  const origin = `http://localhost:${port}`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logPath = join(RESULTS_DIR, `wrangler-${name}.log`);
  const log = createWriteStream(logPath);
  const vars = {
    ISSUER: origin,
    RP_ID: "localhost",
    EMAIL_TRANSPORT: "smtp",
    SMTP_URL: smtpUrl,
    ADMIN_TOKEN,
    KEY_ENCRYPTION_SECRET: "e2e-key-encryption-secret-0123456789abcdef",
    DEMO_ENABLED: "true",
  };
  // Naming an env file stops wrangler from reading the developer's .dev.vars; every value comes from --var below.
  const envFile = join(persistTo, "e2e.env");
  writeFileSync(envFile, "# latchkey e2e: configuration is passed with --var\n");
  const args = [
    WRANGLER,
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistTo,
    "--env-file",
    envFile,
  ];
  args.push("--show-interactive-dev-session=false", "--live-reload=false");
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  const collect = (chunk) => {
    log.write(chunk);
    output = (output + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  let exited = null;
  const exitPromise = new Promise((r) =>
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      r(exited);
    }),
  );

  const stop = async () => {
    if (!running.has(child)) return;
    running.delete(child);
    if (!exited) {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    // workerd may outlive wrangler for a moment; the group kill reaches it too.
    killGroup(child, "SIGKILL");
    await new Promise((r) => log.end(r));
    rmSync(persistTo, { recursive: true, force: true });
  };

  const started = Date.now();
  try {
    for (;;) {
      if (exited)
        throw new Error(`wrangler dev exited (${JSON.stringify(exited)}) before it was ready:\n${output.slice(-4000)}`);
      if (Date.now() - started > READY_TIMEOUT_MS)
        throw new Error(`wrangler dev not ready after ${READY_TIMEOUT_MS} ms:\n${output.slice(-4000)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, port, logPath, startupMs: Date.now() - started, output: () => output, stop };
}

// ---------------------------------------------------------------------------------------------- browser

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Chromium with a fresh profile and one page carrying a CTAP2 platform authenticator (resident keys, user verification).
 * `presence` toggles automatic user-presence simulation: with it on, autofill (conditional) requests complete by themselves.
 */
async function launchBrowser() {
  const profile = tempDir("profile");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines = [];
  page.on("console", (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
  page.on("pageerror", (err) => consoleLines.push(`[pageerror] ${err.message}`));
  // Pages that answered with an error status are the usual first clue; keep them with the console lines.
  page.on("response", (res) => {
    if (res.status() >= 400 && res.request().frame() === page.mainFrame())
      consoleLines.push(`[http ${res.status()}] ${res.request().method()} ${res.url()}`);
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    context,
    page,
    cdp,
    consoleLines,
    async credentials() {
      return (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
    },
    async presence(on) {
      await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: on });
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** On failure: a full-page screenshot and the console into test-results/; returns a one-paragraph summary for the log. */
async function keepEvidence(browser, name) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, name.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 80));
  const { page } = browser;
  await page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => {});
  const text = await page
    .locator("body")
    .innerText({ timeout: 2_000 })
    .catch(() => "(no page text)");
  writeFileSync(`${base}.console.txt`, `${page.url()}\n${browser.consoleLines.join("\n")}\n`);
  const httpErrors = browser.consoleLines.filter((l) => l.startsWith("[http") || l.startsWith("[pageerror]")).slice(-5);
  return [
    `page: ${page.url()}`,
    `shows: ${text.replace(/\s+/g, " ").trim().slice(0, 300)}`,
    ...httpErrors,
    `evidence: ${base}.png, ${base}.console.txt`,
  ].join("\n");
}

/** Runs `fn` with fresh browsers; on failure leaves evidence (and the wrangler log's path) in the test's diagnostics. */
export async function withBrowsers(t, stack, count, fn) {
  const browsers = [];
  try {
    for (let i = 0; i < count; i++) browsers.push(await launchBrowser());
    await fn(...browsers);
  } catch (err) {
    for (const [i, b] of browsers.entries()) t.diagnostic(await keepEvidence(b, count > 1 ? `${t.name}-${i}` : t.name));
    t.diagnostic(`wrangler log: ${stack.provider.logPath}`);
    throw err;
  } finally {
    for (const b of browsers) await b.close();
  }
}

/** Everything one test file needs; `stop()` always tears all of it down. */
export async function startStack(name) {
  const mailbox = await startMailbox();
  let provider;
  try {
    provider = await startProvider({ smtpUrl: mailbox.url, name });
  } catch (err) {
    await mailbox.close();
    throw err;
  }
  return {
    mailbox,
    provider,
    origin: provider.origin,
    async stop() {
      await provider.stop();
      await mailbox.close();
    },
  };
}
