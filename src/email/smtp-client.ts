/** The SMTP submission dialogue (RFC 5321, STARTTLS RFC 3207, AUTH RFC 4954) over a small line-channel interface. */

/** A byte stream seen as lines; the transport binds it to a socket and enforces timeouts. */
export interface SmtpChannel {
  /** True once the stream is under TLS (implicit TLS, or after startTls()). */
  readonly secure: boolean;
  /** The next line from the server without its line end; rejects on EOF, timeout or an over-long line. */
  readLine(): Promise<string>;
  write(data: string): Promise<void>;
  /** True when bytes have arrived that no readLine() has consumed yet. */
  hasBufferedInput(): boolean;
  /** Upgrades the stream to TLS in place (RFC 3207 §4). */
  startTls(): Promise<void>;
}

export interface SmtpSubmission {
  /** Our name in EHLO: a domain or an address literal (RFC 5321 §4.1.1.1). */
  clientName: string;
  /** Plaintext is tolerated only when this is true (loopback servers) and the server offers no STARTTLS. */
  allowPlaintext: boolean;
  auth?: { user: string; pass: string };
  /** Envelope addresses, already validated (no brackets, spaces or line breaks). */
  from: string;
  to: string;
  /** The RFC 5322 message; dot-stuffing and the end-of-data line are added here. */
  data: string;
}

export interface SmtpReply {
  code: number;
  lines: string[];
}

export type SmtpErrorCode =
  | "ERR_SMTP_REPLY"
  | "ERR_SMTP_PROTOCOL"
  | "ERR_SMTP_TLS_REQUIRED"
  | "ERR_SMTP_AUTH_UNSUPPORTED"
  | "ERR_SMTP_TIMEOUT"
  | "ERR_SMTP_CONNECTION";

/** Any failure of the dialogue. `replyCode` is set when the server answered with an unexpected code. */
export class SmtpError extends Error {
  override name = "SmtpError";
  constructor(
    readonly code: SmtpErrorCode,
    message: string,
    readonly replyCode?: number,
  ) {
    super(message);
  }
}

const MAX_REPLY_LINES = 100;

/** Reads one possibly multi-line reply: "250-a", "250-b", "250 c" (RFC 5321 §4.2.1). */
export async function readReply(channel: SmtpChannel): Promise<SmtpReply> {
  const lines: string[] = [];
  let code: number | undefined;
  for (;;) {
    const line = await channel.readLine();
    // RFC 5321 §4.2: Reply-code [ ("-" / SP) textstring ]; the last line has SP (or nothing) after the code.
    const m = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/.exec(line);
    if (!m)
      throw new SmtpError(
        "ERR_SMTP_PROTOCOL",
        `SMTP server sent a malformed reply line: ${JSON.stringify(line.slice(0, 200))}`,
      );
    const lineCode = Number(m[1]);
    // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code.
    if (code !== undefined && lineCode !== code)
      throw new SmtpError("ERR_SMTP_PROTOCOL", `SMTP reply changed code mid-reply (${code} then ${lineCode})`);
    code = lineCode;
    lines.push(m[3] ?? "");
    if (m[2] !== "-") return { code, lines };
    if (lines.length >= MAX_REPLY_LINES) throw new SmtpError("ERR_SMTP_PROTOCOL", "SMTP reply has too many lines");
  }
}

function unexpected(stage: string, reply: SmtpReply): SmtpError {
  return new SmtpError(
    "ERR_SMTP_REPLY",
    `SMTP ${stage} failed: ${reply.code} ${reply.lines.join(" ")}`.trim(),
    reply.code,
  );
}

/** Reads a reply and throws unless its code is one of `expected`. */
async function expectReply(channel: SmtpChannel, stage: string, expected: readonly number[]): Promise<SmtpReply> {
  const reply = await readReply(channel);
  if (!expected.includes(reply.code)) throw unexpected(stage, reply);
  return reply;
}

/** Sends one command line; `stage` names it in errors so credentials never reach a message. */
async function command(
  channel: SmtpChannel,
  line: string,
  expected: readonly number[],
  stage = line,
): Promise<SmtpReply> {
  // RFC 5321 §2.3.8: a command is one line; a CR or LF inside would smuggle a second command.
  if (/[\r\n]/.test(line)) throw new TypeError("SMTP command contains a line break");
  await channel.write(`${line}\r\n`);
  return expectReply(channel, stage, expected);
}

/** EHLO keywords (upper case) mapped to their parameters (RFC 5321 §4.1.1.1: ehlo-line = keyword *(SP param)). */
type Extensions = Map<string, string[]>;

async function ehlo(channel: SmtpChannel, clientName: string): Promise<Extensions> {
  const reply = await command(channel, `EHLO ${clientName}`, [250], "EHLO");
  const extensions: Extensions = new Map();
  // The first line is the server's greeting; each later line names one extension.
  for (const line of reply.lines.slice(1)) {
    // Some old servers write "AUTH=LOGIN PLAIN"; treat "=" like a space.
    const [keyword, ...params] = line.trim().split(/[ =]+/);
    if (keyword)
      extensions.set(
        keyword.toUpperCase(),
        params.map((p) => p.toUpperCase()),
      );
  }
  return extensions;
}

function base64Utf8(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

async function authenticate(
  channel: SmtpChannel,
  extensions: Extensions,
  auth: { user: string; pass: string },
): Promise<void> {
  const mechanisms = extensions.get("AUTH") ?? [];
  if (mechanisms.includes("PLAIN")) {
    // RFC 4616 §2: message = [authzid] NUL authcid NUL passwd; RFC 4954 §4: sent as the initial response.
    await command(channel, `AUTH PLAIN ${base64Utf8(`\0${auth.user}\0${auth.pass}`)}`, [235], "AUTH PLAIN");
    return;
  }
  if (mechanisms.includes("LOGIN")) {
    // draft-murchison-sasl-login: user name and password each answer a 334 challenge.
    await command(channel, "AUTH LOGIN", [334], "AUTH LOGIN");
    await command(channel, base64Utf8(auth.user), [334], "AUTH LOGIN (user name)");
    await command(channel, base64Utf8(auth.pass), [235], "AUTH LOGIN (password)");
    return;
  }
  throw new SmtpError(
    "ERR_SMTP_AUTH_UNSUPPORTED",
    `SMTP server offers no AUTH PLAIN or LOGIN (offered: ${mechanisms.join(" ") || "none"})`,
  );
}

/**
 * RFC 5321 §4.5.2 transparency: a line starting with "." gets a second "." and the data ends with CRLF "." CRLF.
 * Every line end is made CRLF first: a bare CR or LF could end the data early on some servers (SMTP smuggling).
 */
export function dotStuff(data: string): string {
  const crlf = data.replace(/\r\n|\r|\n/g, "\r\n");
  const stuffed = crlf.replace(/(^|\r\n)\./g, "$1..");
  return `${stuffed}${stuffed.endsWith("\r\n") ? "" : "\r\n"}.\r\n`;
}

/** Runs one submission from greeting to QUIT. The caller owns the channel and closes it afterwards. */
export async function submitMessage(channel: SmtpChannel, s: SmtpSubmission): Promise<void> {
  // RFC 5321 §3.1: the server speaks first with 220.
  await expectReply(channel, "greeting", [220]);
  let extensions = await ehlo(channel, s.clientName);
  if (!channel.secure) {
    if (extensions.has("STARTTLS")) {
      await command(channel, "STARTTLS", [220]);
      // RFC 3207 §6 / CVE-2011-0411: anything the server sent before the handshake could be an injected reply.
      if (channel.hasBufferedInput())
        throw new SmtpError("ERR_SMTP_PROTOCOL", "SMTP server sent data after its STARTTLS reply");
      await channel.startTls();
      // RFC 3207 §4.2: forget what the server said before TLS and ask again.
      extensions = await ehlo(channel, s.clientName);
    } else if (!s.allowPlaintext) {
      // A server without STARTTLS may be an attacker who stripped it: never send mail or credentials in clear.
      throw new SmtpError(
        "ERR_SMTP_TLS_REQUIRED",
        "SMTP server does not offer STARTTLS; plaintext is allowed only on loopback",
      );
    }
  }
  if (s.auth) await authenticate(channel, extensions, s.auth);
  await command(channel, `MAIL FROM:<${s.from}>`, [250], "MAIL FROM");
  await command(channel, `RCPT TO:<${s.to}>`, [250, 251], "RCPT TO");
  await command(channel, "DATA", [354]);
  await channel.write(dotStuff(s.data));
  await expectReply(channel, "message data", [250]);
  // The message is accepted; a failing QUIT must not turn that into an error (RFC 5321 §4.1.1.10).
  try {
    await command(channel, "QUIT", [221]);
  } catch {
    /* ignored: the server already took the message */
  }
}
