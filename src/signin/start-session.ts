/**
 * The seam every sign-in method plugs into (passkey, magic link; federation and OTP next): the method proves who
 * the person is and hands a VerifiedSignIn to startSession, which needs no Hono context (it records through an
 * AuditSink, src/audit/record.ts). The route sets the cookie it returns (src/signin/session-cookie.ts).
 */
import type { CurrentSession } from "../app-types";
import { type AuditEvent, type AuditSink, recordEvents } from "../audit/record";
import { stampLastSignIn } from "../db/users";
import { randomToken, sha256b64url } from "../lib/crypto";
import type { Amr, OneTimeId, SignInMethod } from "../user/types";
import { userObject } from "../user/user-object";

const SESSION_IDLE_TTL_MS = 14 * 24 * 3600 * 1000;
const SESSION_ABSOLUTE_TTL_MS = 90 * 24 * 3600 * 1000;

/** What a sign-in method hands over once it has proven who the person is. */
export interface VerifiedSignIn {
  userId: string;
  method: SignInMethod;
  /** RFC 8176 authentication method references the method proved. */
  amr: Amr[];
  /** The ceremony's one-time id, consumed atomically with the session's creation. */
  consume: OneTimeId | null;
  /** The passkey that signed in (null for an email link): the session ends if that passkey is removed. */
  credentialId: string | null;
  /** An emailed link opened in another browser than the one that asked for it (RFC 9700 §4.7). */
  crossDevice?: boolean;
  /** Federation: the connection the person came through, for the audit events. */
  connectionId?: string;
  /** Federation: the identity signed in through (db/federated-identities.ts identityKey); unlinking it ends it. */
  identity?: string;
}

/** What the session needs to know about the browser: the session it holds now (if any), its user agent and country. */
export interface BrowserFacts {
  current: { userId: string; sid: string } | null;
  userAgent: string;
  country: string | null;
}

/** What a person whose account an administrator disabled is told, on the page or in the JSON answer. */
export const ACCOUNT_DISABLED =
  "This account is disabled, so it cannot sign in. If you think this is a mistake, contact the site's support.";

export type StartedSession =
  | { ok: true; session: CurrentSession; cookie: { value: string; maxAgeS: number } }
  | { ok: false; reason: "replayed" | "disabled" };

/** The sign-in method as audit events name it (docs/events.md): "passkey", "link" or "federation". */
function auditMethod(method: SignInMethod): "passkey" | "link" | "federation" {
  return method === "email" ? "link" : method;
}

/**
 * Creates the session in the user's Durable Object. A new sign-in in a browser ends that browser's previous
 * session (whosever it was), so a browser never holds two and a re-authentication replaces the session it
 * refreshes. A one-time id that was already consumed (a replay) creates nothing, nor does a disabled account.
 */
export async function startSession(
  sink: AuditSink,
  signIn: VerifiedSignIn,
  browser: BrowserFacts,
  now: number,
): Promise<StartedSession> {
  const { env } = sink;
  const secret = randomToken(32);
  const sid = randomToken(16);
  const previous = browser.current;
  const method = auditMethod(signIn.method);
  const replaces = previous?.userId === signIn.userId ? previous.sid : null;
  const result = await userObject(env, signIn.userId).signIn(
    signIn.consume,
    {
      secretHash: await sha256b64url(secret),
      sid,
      userAgent: browser.userAgent,
      country: browser.country,
      amr: signIn.amr,
      method: signIn.method,
      credentialId: signIn.credentialId,
      crossDevice: signIn.crossDevice === true,
      identity: signIn.identity ?? null,
      idleTtlMs: SESSION_IDLE_TTL_MS,
      absoluteTtlMs: SESSION_ABSOLUTE_TTL_MS,
    },
    now,
    // Same user: ended in the same transaction as the new session's start.
    replaces,
  );
  if (!result.ok) {
    // "replayed": the one-time id was already consumed; "account_disabled": an administrator disabled the account.
    const reason = result.reason === "disabled" ? "account_disabled" : result.reason;
    const detail = { method, reason };
    recordEvents(
      sink,
      { type: "signin.failed", outcome: "failure", userId: signIn.userId, actor: "anonymous", detail },
      now,
    );
    return { ok: false, reason: result.reason };
  }
  const started = result.session.sid;
  const events: AuditEvent[] = [
    {
      type: "signin.succeeded",
      userId: signIn.userId,
      detail: {
        method,
        sid: started,
        credential_id: signIn.credentialId,
        cross_device: signIn.crossDevice === true,
        ...(signIn.connectionId ? { connection: signIn.connectionId } : {}),
      },
    },
    { type: "session.started", userId: signIn.userId, detail: { sid: started, method, amr: signIn.amr } },
  ];
  if (previous?.userId === signIn.userId) {
    const ended = { sid: previous.sid, reason: "replaced", replaced_by: started };
    events.push({ type: "session.ended", userId: previous.userId, detail: ended });
  } else if (previous) {
    // Another person signed in in this browser: their request and new session are none of this user's business.
    events.push({
      type: "session.ended",
      userId: previous.userId,
      actor: "anonymous",
      detail: { sid: previous.sid, reason: "replaced" },
    });
  }
  // Recorded before the other user's session is ended below, so a fault there loses none of them.
  recordEvents(sink, events, now);
  sink.waitUntil(
    stampLastSignIn(env.DB, signIn.userId, now).catch((err: unknown) =>
      console.error(JSON.stringify({ event: "last_sign_in_not_stamped", reason: String(err) })),
    ),
  );
  // Another user's session in this browser: ended in that user's object.
  if (previous && previous.userId !== signIn.userId) await userObject(env, previous.userId).endSession(previous.sid);
  return {
    ok: true,
    session: { ...result.session, userId: signIn.userId },
    cookie: { value: `${signIn.userId}.${secret}`, maxAgeS: Math.floor(SESSION_ABSOLUTE_TTL_MS / 1000) },
  };
}
