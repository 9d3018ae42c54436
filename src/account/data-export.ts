/**
 * "Download my data" (GDPR Art. 15 right of access, Art. 20 portability): what Latchkey holds about the signed-in
 * person, as one JSON document with RFC 3339 times. Never a secret: no session or refresh hash (SessionInfo has
 * none), no client secret. Passkeys come without their public key and signature counter: both are verification
 * material of no use outside this server (a passkey is bound to its RP ID, WebAuthn L3 §5.1.3), and the public key
 * is a stable identifier of the authenticator that a file meant to be kept or passed on does not need; the
 * credential id already names the passkey. Nothing of another person: events an administrator caused carry "admin"
 * as actor, never the administrator's id, and none of their request facts (address, country, browser).
 */
import { and, desc, eq, gte, inArray } from "drizzle-orm";
import type { CurrentSession } from "../app-types";
import type { Env } from "../config";
import { db } from "../db/client";
import { listCredentials } from "../db/credentials";
import { auditEvents, clients } from "../db/schema";
import { findUserById } from "../db/users";
import { userObject } from "../user/user-object";

/** The person's own events of the last 90 days, the newest 500 at most. */
export const EXPORT_EVENTS_DAYS = 90;
export const EXPORT_EVENTS_MAX = 500;

/** RFC 3339 §5.6 date-time in UTC, or null. */
function rfc3339(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

function parseJson(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

/** Null when the user no longer exists. */
export async function buildDataExport(env: Env, session: CurrentSession, now: number): Promise<object | null> {
  const stub = userObject(env, session.userId);
  const [user, passkeys, sessions, consents, events] = await Promise.all([
    findUserById(env.DB, session.userId),
    listCredentials(env.DB, session.userId),
    stub.listSessions(now),
    stub.listConsents(),
    recentEvents(env.DB, session.userId, now),
  ]);
  if (!user) return null;
  const clientNames = await namesOf(
    env.DB,
    consents.map((c) => c.clientId),
  );
  return {
    format: "latchkey-account-data/1",
    generatedAt: rfc3339(now),
    profile: {
      id: user.id,
      email: user.email,
      emailVerifiedAt: rfc3339(user.emailVerifiedAt),
      name: user.name,
      roles: parseJson(user.roles, []),
      createdAt: rfc3339(user.createdAt),
      updatedAt: rfc3339(user.updatedAt),
      lastSignInAt: rfc3339(user.lastSignInAt),
      disabledAt: rfc3339(user.disabledAt),
    },
    passkeys: passkeys.map((p) => ({
      id: p.id,
      name: p.name,
      aaguid: p.aaguid,
      transports: parseJson(p.transports, []),
      backupEligible: p.backupEligible,
      backupState: p.backupState,
      createdAt: rfc3339(p.createdAt),
      lastUsedAt: rfc3339(p.lastUsedAt),
    })),
    sessions: sessions.map((s) => ({
      id: s.sid,
      current: s.sid === session.sid,
      method: s.method,
      amr: s.amr,
      passkeyId: s.credentialId,
      crossDevice: s.crossDevice,
      userAgent: s.userAgent,
      country: s.country,
      signedInAt: rfc3339(s.authTime),
      createdAt: rfc3339(s.createdAt),
      lastSeenAt: rfc3339(s.lastSeenAt),
      idleExpiresAt: rfc3339(s.idleExpiresAt),
      absoluteExpiresAt: rfc3339(s.absoluteExpiresAt),
    })),
    consents: consents.map((c) => ({
      clientId: c.clientId,
      clientName: clientNames.get(c.clientId) ?? null,
      scopes: c.scopes,
      grantedAt: rfc3339(c.grantedAt),
    })),
    events: {
      window: { days: EXPORT_EVENTS_DAYS, max: EXPORT_EVENTS_MAX },
      items: events,
    },
  };
}

async function namesOf(d1: D1Database, clientIds: string[]): Promise<Map<string, string>> {
  if (clientIds.length === 0) return new Map();
  const rows = await db(d1)
    .select({ id: clients.id, name: clients.name })
    .from(clients)
    .where(inArray(clients.id, clientIds))
    .all();
  return new Map(rows.map((r) => [r.id, r.name]));
}

async function recentEvents(d1: D1Database, userId: string, now: number): Promise<object[]> {
  const since = now - EXPORT_EVENTS_DAYS * 24 * 60 * 60 * 1000;
  const rows = await db(d1)
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.userId, userId), gte(auditEvents.at, since)))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(EXPORT_EVENTS_MAX)
    .all();
  return rows.map((e) => {
    // The request facts are the person's own only when they caused the event ("anonymous": someone else asked for a
    // link to the address, tried a sign-in or took over a shared browser; "client": an application's request).
    const own = e.actor === "user";
    return {
      id: e.id,
      at: rfc3339(e.at),
      type: e.type,
      outcome: e.outcome,
      clientId: e.clientId,
      actor: e.actor?.startsWith("admin:") ? "admin" : e.actor,
      ip: own ? e.ip : null,
      country: own ? e.country : null,
      userAgent: own ? e.userAgent : null,
      detail: parseJson(e.detail, {}),
    };
  });
}
