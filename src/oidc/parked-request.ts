/** Authorization requests parked in KV while the person signs in (RFC 6749 §4.1.1 parameters, validated). */
import type { Env } from "../config";
import { randomToken, timingSafeEqual } from "../lib/crypto";
import { browserBindingHash } from "../sessions/browser";
import type { OneTimeId } from "../user/types";

const PARKED_REQUEST_TTL_S = 30 * 60;

export interface ParkedRequest {
  clientId: string;
  clientName: string;
  clientLogoUri: string | null;
  /** The federation connections the client allows (null or absent in older records: every enabled one). */
  clientConnections?: string[] | null;
  redirectUri: string;
  redirectUriSent: boolean;
  /** OIDC Core §3.1.2.1 id_token_hint: only this user may complete the request (null: anyone). */
  expectedSub: string | null;
  scope: string;
  /** RFC 8707: the resource identifier asked for (null or absent in older records: none). */
  resource?: string | null;
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  /** Seconds; null when absent. */
  maxAge: number | null;
  prompt: string[];
  /** Earliest acceptable auth_time (ms) after prompt=login, so the resumed request needs a fresh sign-in. */
  freshAfter: number | null;
  /**
   * OIDC Core §3.1.2.1 acr_values: the sign-in must be of one of these classes or a stronger one (absent in older
   * records).
   */
  acrValues?: string[];
  /** SHA-256 of the browser binding cookie's id (src/sessions/browser.ts): only that browser may resume it. */
  browserHash: string;
  expiresAt: number;
}

export async function parkRequest(env: Env, req: Omit<ParkedRequest, "expiresAt">, now: number): Promise<string> {
  const rid = randomToken(24);
  const record: ParkedRequest = { ...req, expiresAt: now + PARKED_REQUEST_TTL_S * 1000 };
  await env.KV.put(`az:${rid}`, JSON.stringify(record), { expirationTtl: PARKED_REQUEST_TTL_S });
  return rid;
}

export async function loadParkedRequest(env: Env, rid: string, now: number): Promise<ParkedRequest | null> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(rid)) return null;
  const record = await env.KV.get<ParkedRequest>(`az:${rid}`, "json");
  if (!record || now >= record.expiresAt) return null;
  return record;
}

/**
 * RFC 9700 §4.7 (CSRF / session fixation): a parked request is resumed only in the browser that made it, so a
 * `/authorize/continue?rid=` link handed to someone else does not finish the request in their session.
 */
export async function parkedInThisBrowser(parked: ParkedRequest, browserId: string): Promise<boolean> {
  return (
    typeof parked.browserHash === "string" &&
    timingSafeEqual(parked.browserHash, await browserBindingHash(browserId, "parked-request"))
  );
}

/** The one-time id that spends a parked request when its code is issued (in the user's Durable Object). */
export function parkedOneTimeId(rid: string, parked: ParkedRequest): OneTimeId {
  return { id: `authorize:${rid}`, expiresAt: parked.expiresAt };
}

/** Forgets a spent request in KV (a lookup only: the Durable Object refuses a replay whatever KV says). */
export async function forgetParkedRequest(env: Env, rid: string): Promise<void> {
  await env.KV.delete(`az:${rid}`);
}

/** The client of a parked request as the sign-in page shows it, and the connections it offers there. */
export interface ParkedClient {
  name: string;
  logoUri: string | null;
  connections: string[] | null;
}

export async function loadParkedClient(env: Env, rid: string): Promise<ParkedClient | null> {
  const record = await loadParkedRequest(env, rid, Date.now());
  return record
    ? { name: record.clientName, logoUri: record.clientLogoUri, connections: record.clientConnections ?? null }
    : null;
}
