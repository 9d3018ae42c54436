/**
 * An upstream identity waiting to be linked: its provider named an address that already has an account, but
 * not as proven (link-decision.ts "prove"). The person proves the address with an emailed link (or signs in to
 * the account another way), then confirms the link. In KV for 30 minutes; the confirmation is single-use in the
 * user's Durable Object (`pendingLinkOneTimeId`).
 */
import type { Env } from "../config";
import { randomToken } from "../lib/crypto";
import type { OneTimeId } from "../user/types";

const PENDING_TTL_S = 30 * 60;
const ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

export interface PendingLink {
  connectionId: string;
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  returnTo: string;
  /** The browser that came back from the provider (purpose "federation"): only it may confirm. */
  browserHash: string;
  createdAt: number;
  expiresAt: number;
}

export async function savePendingLink(env: Env, link: Omit<PendingLink, "expiresAt">): Promise<string> {
  const id = randomToken(24);
  const record: PendingLink = { ...link, expiresAt: link.createdAt + PENDING_TTL_S * 1000 };
  await env.KV.put(`fp:${id}`, JSON.stringify(record), { expirationTtl: PENDING_TTL_S });
  return id;
}

export async function loadPendingLink(env: Env, id: string | undefined, now: number): Promise<PendingLink | null> {
  if (!id || !ID_PATTERN.test(id)) return null;
  const record = await env.KV.get<PendingLink>(`fp:${id}`, "json");
  return record && now < record.expiresAt ? record : null;
}

export async function forgetPendingLink(env: Env, id: string): Promise<void> {
  await env.KV.delete(`fp:${id}`);
}

export function pendingLinkOneTimeId(id: string, link: PendingLink): OneTimeId {
  return { id: `fedlink:${id}`, expiresAt: link.expiresAt };
}
