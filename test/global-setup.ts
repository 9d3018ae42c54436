/**
 * Vitest globalSetup (runs in Node): a real SMTP server, a silent TCP server and a mailbox HTTP API on loopback; the
 * mailbox server also plays webhook receivers (POST /hooks/<name>).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createTcpServer, isIP, type Server, type Socket } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { Webhook } from "standardwebhooks";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** smtp://user:pass@127.0.0.1:port of the test SMTP server (AUTH PLAIN/LOGIN, no STARTTLS). */
    smtpUrl: string;
    /** http://127.0.0.1:port of the mailbox API: GET/DELETE /messages, POST /send (the http transport's endpoint). */
    mailboxUrl: string;
    /** smtp://127.0.0.1:port of a server that accepts connections and never says a word. */
    smtpSilentUrl: string;
  }
}

const SMTP_USER = "latchkey-test";
const SMTP_PASS = "smtp-pass-0123456789";
/** Bearer key the mailbox's POST /send accepts; test/email/http-transport.test.ts uses the same literal. */
const HTTP_KEY = "http-key-0123456789";

/** One received message as the mailbox API returns it. */
interface StoredMail {
  via: "smtp" | "http";
  /** Envelope sender (SMTP) or the `from` field (HTTP). */
  from: string;
  /** Envelope recipients, lower-cased. */
  to: string[];
  /** The SMTP AUTH user of the session, or null when the client did not authenticate. */
  authUser: string | null;
  subject: string;
  text: string;
  html: string;
  /** Header name (lower case) → unfolded raw value, as on the wire. */
  headers: Record<string, string>;
  raw: string;
}

const messages: StoredMail[] = [];

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

async function storeSmtp(
  raw: Buffer,
  envelope: { from: string; to: string[]; authUser: string | null },
): Promise<void> {
  // mailparser is an independent MIME implementation, so a bug in src/email/mime.ts cannot hide behind it.
  const parsed = await simpleParser(raw);
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    headers[key] = line
      .slice(line.indexOf(":") + 1)
      .replace(/\r?\n(?=[ \t])/g, "")
      .trim();
  }
  messages.push({
    via: "smtp",
    from: envelope.from,
    to: envelope.to,
    authUser: envelope.authUser,
    subject: parsed.subject ?? "",
    text: parsed.text ?? "",
    html: parsed.html || "",
    headers,
    raw: raw.toString("utf8"),
  });
}

function startSmtp(): SMTPServer {
  const server = new SMTPServer({
    banner: "latchkey test mailbox",
    logger: false,
    authOptional: true,
    authMethods: ["PLAIN", "LOGIN"],
    // Loopback only: no certificate to trust inside workerd, so no STARTTLS either.
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    size: 1024 * 1024,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((a) => a.address.toLowerCase()),
          authUser: typeof session.user === "string" ? session.user : null,
        };
        storeSmtp(Buffer.concat(chunks), envelope).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      });
    },
  });
  // A client that drops its connection (the Worker's SMTP client when a test ends mid-send) is that client's
  // problem: without a listener, smtp-server's "error" event would end the whole test run.
  server.on("error", (err: Error & { code?: string }) => {
    if (err.code !== "ECONNRESET" && err.code !== "EPIPE") console.warn("test SMTP server:", err.message);
  });
  return server;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** What the siteverify stand-in received, per call (the abuse tests read it back from GET /turnstile/calls). */
export interface TurnstileCall {
  secret: string;
  token: string;
  idempotencyKey: string | null;
  remoteip: string | null;
  /** The stand-in's answer: HTTP status and body. */
  status: number;
  answer: Record<string, unknown>;
}
const turnstileCalls: TurnstileCall[] = [];
/** Token → the idempotency key and answer of its first verification (siteverify admits a token once). */
const turnstileSpent = new Map<string, { key: string | null; answer: Record<string, unknown> }>();
/** Idempotency keys whose first call the stand-in already failed on purpose (tokens with flaky=1). */
const turnstileFlaked = new Set<string>();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Cloudflare's siteverify as the stand-in plays it, with the published test secrets (1x…AA passes, 2x…AA fails).
 * A test token may carry `key=value` options separated by ";": `hostname` and `action` (what the widget would
 * report; default localhost and magic-link) and `flaky=1` (the first call for an idempotency key answers 503).
 * Like Cloudflare, it refuses a token verified before unless the idempotency key is the same, and then answers
 * the same again; it refuses an idempotency key that is not a UUID and a remoteip that is not an IP address.
 */
function siteverify(form: Record<string, string | null>): { status: number; answer: Record<string, unknown> } {
  const { secret, response: token } = form;
  const key = form.idempotency_key ?? null;
  const remoteip = form.remoteip ?? null;
  const fail = (code: string) => ({ status: 200, answer: { success: false, "error-codes": [code] } });
  if (!token) return fail("missing-input-response");
  if (key !== null && !UUID.test(key)) return fail("invalid-idempotency-key");
  if (remoteip !== null && isIP(remoteip) === 0) return fail("invalid-input-remoteip");
  const options = Object.fromEntries(
    token
      .split(";")
      .map((p) => p.split("=") as [string, string?])
      .filter(([, v]) => v !== undefined),
  );
  if (options.flaky === "1" && key && !turnstileFlaked.has(key)) {
    turnstileFlaked.add(key);
    return { status: 503, answer: { error: "try again" } };
  }
  const spent = turnstileSpent.get(token);
  if (spent)
    return spent.key !== null && spent.key === key
      ? { status: 200, answer: spent.answer }
      : fail("timeout-or-duplicate");
  if (secret !== "1x0000000000000000000000000000000AA") return fail("invalid-input-secret");
  const answer = {
    success: true,
    "error-codes": [],
    challenge_ts: new Date().toISOString(),
    hostname: options.hostname ?? "localhost",
    action: options.action ?? "magic-link",
    cdata: "",
  };
  turnstileSpent.set(token, { key, answer });
  return { status: 200, answer };
}

function formFields(raw: string, contentType: string): Record<string, string | null> {
  const names = ["secret", "response", "idempotency_key", "remoteip"];
  if (contentType.startsWith("multipart/form-data")) {
    return Object.fromEntries(
      names.map((n) => [n, new RegExp(`name="${n}"\\r\\n\\r\\n([^\\r]*)`).exec(raw)?.[1] ?? null]),
    );
  }
  const params = new URLSearchParams(raw);
  return Object.fromEntries(names.map((n) => [n, params.get(n)]));
}

/** What one webhook receiver got: headers and raw body per request, and the status it answered (null: none). */
interface ReceivedHook {
  headers: Record<string, string>;
  body: string;
  answered: number | null;
  /** The standardwebhooks package's verdict with the secret the test registered: "ok" or its error message. */
  verified: string;
}
const hooks = new Map<string, ReceivedHook[]>();
const hookSecrets = new Map<string, string>();

/** Verification as a receiver built on the Standard Webhooks reference library does it (Node side: it is CJS). */
function verifyHook(name: string, body: string, headers: Record<string, string>): string {
  const secret = hookSecrets.get(name);
  if (!secret) return "no secret registered";
  try {
    new Webhook(secret).verify(body, headers);
    return "ok";
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * A webhook receiver per name; the name's first word says how it behaves: "ok" answers 204, "flaky<n>" answers 500
 * to its first n requests and 204 after, "fail" always answers 500, "hang" never answers. GET /hooks/<name> lists
 * what it received; PUT /hooks/<name> registers the endpoint's secret (the body) to verify with.
 */
async function webhookReceiver(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  const received = hooks.get(name) ?? [];
  hooks.set(name, received);
  if (req.method === "GET") return json(res, 200, received);
  if (req.method === "PUT") {
    hookSecrets.set(name, await readBody(req));
    return json(res, 200, { ok: true });
  }
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  const body = await readBody(req);
  const hook: ReceivedHook = { headers, body, answered: null, verified: verifyHook(name, body, headers) };
  received.push(hook);
  const flaky = /^flaky(\d+)-/.exec(name);
  let status = 204;
  if (name.startsWith("hang-")) return;
  if (name.startsWith("fail-") || (flaky && received.length <= Number(flaky[1]))) status = 500;
  hook.answered = status;
  res.writeHead(status);
  res.end();
}

async function mailbox(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const hook = /^\/hooks\/([A-Za-z0-9-]+)$/.exec(url.pathname);
  if (hook) return webhookReceiver(req, res, hook[1]!);
  const to = url.searchParams.get("to")?.toLowerCase();
  const matches = (m: StoredMail) => !to || m.to.includes(to);
  if (url.pathname === "/messages" && req.method === "GET") return json(res, 200, messages.filter(matches));
  if (url.pathname === "/messages" && req.method === "DELETE") {
    const keep = messages.filter((m) => !matches(m));
    messages.length = 0;
    messages.push(...keep);
    return json(res, 200, { ok: true });
  }
  if (url.pathname === "/turnstile/siteverify" && req.method === "POST") {
    const fields = formFields(await readBody(req), req.headers["content-type"] ?? "");
    const { status, answer } = siteverify(fields);
    turnstileCalls.push({
      secret: fields.secret ?? "",
      token: fields.response ?? "",
      idempotencyKey: fields.idempotency_key ?? null,
      remoteip: fields.remoteip ?? null,
      status,
      answer,
    });
    return json(res, status, answer);
  }
  if (url.pathname === "/turnstile/calls" && req.method === "GET") return json(res, 200, turnstileCalls);
  if (url.pathname === "/send" && req.method === "POST") {
    // Stands in for a mail API behind the http transport.
    if (req.headers.authorization !== `Bearer ${HTTP_KEY}`) return json(res, 401, { error: "bad key" });
    const raw = await readBody(req);
    let body: Partial<Record<"from" | "to" | "subject" | "text" | "html", unknown>>;
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return json(res, 400, { error: "not JSON" });
    }
    const { from, to: rcpt, subject, text, html } = body;
    if (![from, rcpt, subject, text, html].every((v) => typeof v === "string"))
      return json(res, 400, { error: "missing field" });
    messages.push({
      via: "http",
      from: from as string,
      to: [(rcpt as string).toLowerCase()],
      authUser: null,
      subject: subject as string,
      text: text as string,
      html: html as string,
      headers: { "content-type": req.headers["content-type"] ?? "" },
      raw,
    });
    return json(res, 202, { queued: true });
  }
  json(res, 404, { error: "not found" });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const smtp = startSmtp();
  const smtpPort = await listen(smtp.server);

  const idle = new Set<Socket>();
  const silent = createTcpServer((socket) => {
    idle.add(socket);
    socket.on("close", () => idle.delete(socket));
    socket.on("error", () => {});
  });
  const silentPort = await listen(silent);

  const http = createHttpServer((req, res) => {
    mailbox(req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  const httpPort = await listen(http);

  project.provide("smtpUrl", `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${smtpPort}`);
  project.provide("smtpSilentUrl", `smtp://127.0.0.1:${silentPort}`);
  project.provide("mailboxUrl", `http://127.0.0.1:${httpPort}`);

  return async () => {
    for (const s of idle) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => smtp.close(() => resolve())),
      new Promise<void>((resolve) => silent.close(() => resolve())),
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
    ]);
  };
}
