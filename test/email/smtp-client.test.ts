/** The SMTP dialogue against a scripted server: STARTTLS, AUTH choice, reply parsing, and the attacks it must refuse. */
import { describe, expect, it } from "vitest";
import {
  dotStuff,
  readReply,
  type SmtpChannel,
  SmtpError,
  type SmtpSubmission,
  submitMessage,
} from "../../src/email/smtp-client";

type Responder = (command: string, channel: ScriptedServer) => string[] | undefined;

/** An in-memory server: `respond` maps each client line to the reply lines the server sends back. */
class ScriptedServer implements SmtpChannel {
  secure = false;
  written: string[] = [];
  /** Commands as the server saw them, tagged with whether TLS was on at the time. */
  log: { line: string; secure: boolean }[] = [];
  tlsUpgrades = 0;
  #pending: string[];

  constructor(
    private readonly respond: Responder,
    greeting = ["220 mail.example.com ESMTP"],
  ) {
    this.#pending = [...greeting];
  }

  async readLine(): Promise<string> {
    const line = this.#pending.shift();
    if (line === undefined) throw new SmtpError("ERR_SMTP_CONNECTION", "script ran out of replies");
    return line;
  }

  async write(data: string): Promise<void> {
    this.written.push(data);
    if (data.endsWith("\r\n.\r\n")) {
      this.log.push({ line: "<message data>", secure: this.secure });
      this.#pending.push(...(this.respond("<message data>", this) ?? []));
      return;
    }
    const line = data.replace(/\r\n$/, "");
    this.log.push({ line, secure: this.secure });
    this.#pending.push(...(this.respond(line, this) ?? []));
  }

  hasBufferedInput(): boolean {
    return this.#pending.length > 0;
  }

  async startTls(): Promise<void> {
    this.tlsUpgrades++;
    this.secure = true;
  }
}

/** A well-behaved submission server; `ehlo` lists the extensions offered before and after TLS. */
function server(ehlo: { plain: string[]; tls?: string[] }, overrides: Record<string, string[]> = {}): Responder {
  return (line, s) => {
    const verb =
      line === "<message data>"
        ? line
        : line.startsWith("AUTH PLAIN ")
          ? "AUTH PLAIN"
          : line.split(" ")[0]!.replace(/:.*/, "");
    if (overrides[verb]) return overrides[verb];
    switch (verb) {
      case "EHLO": {
        const ext = s.secure ? (ehlo.tls ?? ehlo.plain) : ehlo.plain;
        return ["250-mail.example.com greets you", ...ext.map((e, i) => `250${i === ext.length - 1 ? " " : "-"}${e}`)];
      }
      case "STARTTLS":
        return ["220 2.0.0 Ready to start TLS"];
      case "AUTH PLAIN":
        return ["235 2.7.0 Authentication successful"];
      case "MAIL":
      case "RCPT":
        return ["250 2.1.0 Ok"];
      case "DATA":
        return ["354 End data with <CR><LF>.<CR><LF>"];
      case "<message data>":
        return ["250 2.0.0 Ok: queued as ABC123"];
      case "QUIT":
        return ["221 2.0.0 Bye"];
      default:
        return ["500 5.5.2 unknown command"];
    }
  };
}

const submission: SmtpSubmission = {
  clientName: "id.example.com",
  allowPlaintext: false,
  auth: { user: "mailer", pass: "s3cret-pass" },
  from: "no-reply@example.com",
  to: "ada@example.org",
  data: "Subject: hi\r\n\r\nbody\r\n",
};

const verbs = (s: ScriptedServer) => s.log.map((l) => l.line.split(" ")[0]);

describe("SMTP dialogue", () => {
  it("upgrades with STARTTLS when offered, repeats EHLO under TLS, then authenticates and submits", async () => {
    const s = new ScriptedServer(
      server({
        plain: ["PIPELINING", "STARTTLS", "SIZE 10240000"],
        tls: ["PIPELINING", "AUTH LOGIN PLAIN", "SIZE 10240000"],
      }),
    );
    await submitMessage(s, submission);
    expect(s.tlsUpgrades).toBe(1);
    expect(verbs(s)).toEqual(["EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "<message", "QUIT"]);
    // Nothing after STARTTLS went in clear.
    expect(s.log.slice(2).every((l) => l.secure)).toBe(true);
    const auth = s.log.find((l) => l.line.startsWith("AUTH"))!.line;
    expect(auth).toBe(`AUTH PLAIN ${btoa("\0mailer\0s3cret-pass")}`);
    expect(s.log.find((l) => l.line.startsWith("MAIL"))!.line).toBe("MAIL FROM:<no-reply@example.com>");
    expect(s.log.find((l) => l.line.startsWith("RCPT"))!.line).toBe("RCPT TO:<ada@example.org>");
  });

  it("STARTTLS stripping: a non-loopback server that offers no STARTTLS gets neither credentials nor mail", async () => {
    const s = new ScriptedServer(server({ plain: ["AUTH PLAIN LOGIN"] }));
    const err = await submitMessage(s, submission).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as SmtpError).code).toBe("ERR_SMTP_TLS_REQUIRED");
    expect(verbs(s)).toEqual(["EHLO"]);
  });

  it("plaintext is accepted only where the caller allows it (loopback)", async () => {
    const s = new ScriptedServer(server({ plain: ["AUTH PLAIN"] }));
    await submitMessage(s, { ...submission, allowPlaintext: true });
    expect(s.tlsUpgrades).toBe(0);
    expect(verbs(s)).toEqual(["EHLO", "AUTH", "MAIL", "RCPT", "DATA", "<message", "QUIT"]);
  });

  it("STARTTLS response injection: replies pipelined after the 220 are refused before the upgrade", async () => {
    const s = new ScriptedServer(server({ plain: ["STARTTLS"] }, { STARTTLS: ["220 Ready", "250 injected in clear"] }));
    const err = await submitMessage(s, submission).catch((e: unknown) => e);
    expect((err as SmtpError).code).toBe("ERR_SMTP_PROTOCOL");
    expect(s.tlsUpgrades).toBe(0);
    expect(verbs(s)).toEqual(["EHLO", "STARTTLS"]);
  });

  it("uses AUTH LOGIN when PLAIN is not offered", async () => {
    const s = new ScriptedServer(
      server(
        { plain: ["STARTTLS"], tls: ["AUTH LOGIN"] },
        { AUTH: ["334 VXNlcm5hbWU6"], [btoa("mailer")]: ["334 UGFzc3dvcmQ6"], [btoa("s3cret-pass")]: ["235 ok"] },
      ),
    );
    await submitMessage(s, { ...submission });
    const lines = s.log.map((l) => l.line);
    expect(lines.slice(3, 6)).toEqual(["AUTH LOGIN", btoa("mailer"), btoa("s3cret-pass")]);
  });

  it("old-style 'AUTH=PLAIN' advertisements are understood", async () => {
    const s = new ScriptedServer(server({ plain: ["STARTTLS"], tls: ["AUTH=PLAIN"] }));
    await submitMessage(s, submission);
    expect(verbs(s)).toContain("AUTH");
  });

  it("refuses to go on without authentication when credentials are configured but no usable mechanism is offered", async () => {
    const s = new ScriptedServer(server({ plain: ["STARTTLS"], tls: ["AUTH CRAM-MD5"] }));
    const err = await submitMessage(s, submission).catch((e: unknown) => e);
    expect((err as SmtpError).code).toBe("ERR_SMTP_AUTH_UNSUPPORTED");
    expect(verbs(s)).not.toContain("MAIL");
  });

  it("a rejected password names the code and text, never the credentials", async () => {
    const s = new ScriptedServer(
      server(
        { plain: ["STARTTLS"], tls: ["AUTH PLAIN"] },
        { "AUTH PLAIN": ["535 5.7.8 Authentication credentials invalid"] },
      ),
    );
    const err = (await submitMessage(s, submission).catch((e: unknown) => e)) as SmtpError;
    expect(err.replyCode).toBe(535);
    expect(err.message).toBe("SMTP AUTH PLAIN failed: 535 5.7.8 Authentication credentials invalid");
    expect(err.message).not.toContain(btoa("\0mailer\0s3cret-pass"));
  });

  it("an unexpected reply to RCPT TO throws with the code and the full multi-line text", async () => {
    const s = new ScriptedServer(
      server(
        { plain: ["STARTTLS"], tls: ["AUTH PLAIN"] },
        { RCPT: ["550-5.1.1 No such user", "550 5.1.1 try again later"] },
      ),
    );
    const err = (await submitMessage(s, submission).catch((e: unknown) => e)) as SmtpError;
    expect(err.code).toBe("ERR_SMTP_REPLY");
    expect(err.replyCode).toBe(550);
    expect(err.message).toBe("SMTP RCPT TO failed: 550 5.1.1 No such user 5.1.1 try again later");
    expect(verbs(s)).not.toContain("DATA");
  });

  it("a greeting other than 220 (a busy or hostile server) stops the dialogue at once", async () => {
    const s = new ScriptedServer(server({ plain: [] }), ["554 5.3.2 no service"]);
    const err = (await submitMessage(s, submission).catch((e: unknown) => e)) as SmtpError;
    expect(err.replyCode).toBe(554);
    expect(s.log).toEqual([]);
  });

  it("a failing QUIT after the message was accepted is not an error", async () => {
    const s = new ScriptedServer(server({ plain: ["STARTTLS"], tls: ["AUTH PLAIN"] }, { QUIT: ["500 whatever"] }));
    await expect(submitMessage(s, submission)).resolves.toBeUndefined();
  });

  it("command injection: an envelope address carrying CRLF is refused before anything is written", async () => {
    const s = new ScriptedServer(server({ plain: ["STARTTLS"], tls: ["AUTH PLAIN"] }));
    const err = await submitMessage(s, { ...submission, to: "a@example.org>\r\nRCPT TO:<victim@example.net" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(s.log.map((l) => l.line)).not.toContain("RCPT TO:<victim@example.net>");
  });
});

describe("reply parsing", () => {
  const channel = (lines: string[]): SmtpChannel => ({
    secure: false,
    readLine: async () => {
      const l = lines.shift();
      if (l === undefined) throw new Error("eof");
      return l;
    },
    write: async () => {},
    hasBufferedInput: () => lines.length > 0,
    startTls: async () => {},
  });

  it("reads a multi-line reply to its last line, and a bare code as a full reply", async () => {
    expect(await readReply(channel(["250-a", "250-b c", "250 d"]))).toEqual({ code: 250, lines: ["a", "b c", "d"] });
    expect(await readReply(channel(["221"]))).toEqual({ code: 221, lines: [""] });
  });

  it("a malformed line is a protocol error", async () => {
    await expect(readReply(channel(["hello there"]))).rejects.toMatchObject({ code: "ERR_SMTP_PROTOCOL" });
  });

  it("a reply that changes code mid-way is a protocol error", async () => {
    await expect(readReply(channel(["250-a", "550 b"]))).rejects.toMatchObject({ code: "ERR_SMTP_PROTOCOL" });
  });

  it("an endless multi-line reply is cut off", async () => {
    const lines = Array.from({ length: 1000 }, () => "250-x");
    await expect(readReply(channel(lines))).rejects.toMatchObject({ code: "ERR_SMTP_PROTOCOL" });
  });
});

describe("dotStuff (RFC 5321 §4.5.2)", () => {
  it("doubles a leading dot on every line, including the first, and appends the end-of-data line", () => {
    expect(dotStuff(".first\r\nmid\r\n.\r\n..x\r\n")).toBe("..first\r\nmid\r\n..\r\n...x\r\n.\r\n");
  });

  it("adds the missing CRLF before the terminator", () => {
    expect(dotStuff("no newline at end")).toBe("no newline at end\r\n.\r\n");
  });

  it("SMTP smuggling: bare LF and bare CR become CRLF, so '\\n.\\n' cannot end the data early", () => {
    const out = dotStuff("a\n.\nMAIL FROM:<x@y>\rz\r\n");
    expect(out).toBe("a\r\n..\r\nMAIL FROM:<x@y>\r\nz\r\n.\r\n");
    expect(out.indexOf("\r\n.\r\n")).toBe(out.length - 5);
  });
});
