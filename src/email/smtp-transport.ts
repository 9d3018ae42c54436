/** SMTP transport: SMTP_URL → a cloudflare:sockets connection → the submission dialogue of smtp-client.ts. */
import { connect } from "cloudflare:sockets";
import type { Config } from "../config";
import { buildMimeMessage, parseMailbox } from "./mime";
import { type SmtpChannel, SmtpError, submitMessage } from "./smtp-client";
import type { EmailMessage } from "./types";

interface SmtpTarget {
  hostname: string;
  port: number;
  /** smtps:// — TLS from the first byte (RFC 8314 §3.3); smtp:// upgrades with STARTTLS. */
  implicitTls: boolean;
  loopback: boolean;
  auth?: { user: string; pass: string };
}

export interface SmtpSendOptions {
  now?: Date;
  /** Longest wait for any one reply or write (default 10 s). */
  stepTimeoutMs?: number;
  /** Longest the whole exchange may take (default 20 s), so a dead server cannot hang a request. */
  totalTimeoutMs?: number;
}

const MAX_LINE = 4096;
const encoder = new TextEncoder();

/** Loopback hosts, where nothing crosses a network and plaintext is acceptable. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Parses `smtp://user:pass@host:port` or `smtps://…`; errors never echo the URL (it holds the password). */
function parseSmtpUrl(value: string): SmtpTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError("SMTP_URL is not a URL");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    throw new TypeError("SMTP_URL must start with smtp:// or smtps://");
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!hostname) throw new TypeError("SMTP_URL has no host");
  const implicitTls = url.protocol === "smtps:";
  // RFC 8314 §7.3 / RFC 6409 §3.1: 465 for implicit TLS, 587 for submission.
  const port = url.port ? Number(url.port) : implicitTls ? 465 : 587;
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const target: SmtpTarget = { hostname, port, implicitTls, loopback: isLoopbackHost(hostname) };
  if (user) target.auth = { user, pass };
  return target;
}

/** Our EHLO name: the issuer's host, or an address literal for an IP (RFC 5321 §4.1.3). */
function clientName(config: Config): string {
  const host = new URL(config.origin).hostname;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return `[${host}]`;
  if (host.startsWith("[")) return `[IPv6:${host.slice(1, -1)}]`;
  return host;
}

/** A cloudflare:sockets Socket as an SmtpChannel, with a per-step and an overall deadline. */
class SocketChannel implements SmtpChannel {
  secure: boolean;
  #socket!: Socket;
  #reader!: ReadableStreamDefaultReader<Uint8Array>;
  #writer!: WritableStreamDefaultWriter<Uint8Array>;
  #buffer = "";
  #decoder = new TextDecoder();
  readonly #deadline: number;
  readonly #stepMs: number;

  constructor(socket: Socket, secure: boolean, stepMs: number, totalMs: number) {
    this.secure = secure;
    this.#stepMs = stepMs;
    this.#deadline = Date.now() + totalMs;
    this.#attach(socket);
  }

  #attach(socket: Socket): void {
    this.#socket = socket;
    this.#reader = socket.readable.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    this.#writer = socket.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>;
  }

  async #timed<T>(promise: Promise<T>, what: string): Promise<T> {
    const ms = Math.max(0, Math.min(this.#stepMs, this.#deadline - Date.now()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SmtpError("ERR_SMTP_TIMEOUT", `SMTP timed out ${what}`)), ms);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  async opened(): Promise<void> {
    try {
      await this.#timed(this.#socket.opened, "connecting");
    } catch (err) {
      if (err instanceof SmtpError) throw err;
      throw new SmtpError(
        "ERR_SMTP_CONNECTION",
        `SMTP connection failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  async readLine(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf("\n");
      if (end >= 0) {
        const line = this.#buffer.slice(0, end).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(end + 1);
        return line;
      }
      if (this.#buffer.length > MAX_LINE) throw new SmtpError("ERR_SMTP_PROTOCOL", "SMTP reply line is too long");
      const { value, done } = await this.#timed(this.#reader.read(), "waiting for the server's reply");
      if (done) throw new SmtpError("ERR_SMTP_CONNECTION", "SMTP server closed the connection");
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  async write(data: string): Promise<void> {
    await this.#timed(this.#writer.write(encoder.encode(data)), "writing to the server");
  }

  hasBufferedInput(): boolean {
    return this.#buffer.length > 0;
  }

  async startTls(): Promise<void> {
    // workerd upgrades only a socket whose streams are unlocked; the plaintext socket is then spent.
    this.#reader.releaseLock();
    this.#writer.releaseLock();
    this.#attach(this.#socket.startTls());
    this.#buffer = "";
    this.#decoder = new TextDecoder();
    this.secure = true;
  }

  /** Fire and forget: after startTls, close() is known to never settle on some workerd versions. */
  close(): void {
    try {
      this.#socket.close().catch(() => {});
    } catch {
      /* already closed */
    }
  }
}

/** Submits one message through the SMTP server named by config.smtpUrl. */
export async function sendViaSmtp(config: Config, message: EmailMessage, options: SmtpSendOptions = {}): Promise<void> {
  if (!config.smtpUrl) throw new TypeError("SMTP_URL is not set");
  const target = parseSmtpUrl(config.smtpUrl);
  const from = parseMailbox(config.emailFrom).address;
  const to = parseMailbox(message.to).address;
  const data = buildMimeMessage(message, { from: config.emailFrom, now: options.now ?? new Date() });
  const socket = connect(
    { hostname: target.hostname, port: target.port },
    // "starttls" keeps the plaintext socket upgradable; nothing is sent in clear before the upgrade but EHLO.
    { secureTransport: target.implicitTls ? "on" : "starttls", allowHalfOpen: false },
  );
  const channel = new SocketChannel(
    socket,
    target.implicitTls,
    options.stepTimeoutMs ?? 10_000,
    options.totalTimeoutMs ?? 20_000,
  );
  try {
    await channel.opened();
    await submitMessage(channel, {
      clientName: clientName(config),
      allowPlaintext: target.loopback,
      auth: target.auth,
      from,
      to,
      data,
    });
  } finally {
    channel.close();
  }
}
