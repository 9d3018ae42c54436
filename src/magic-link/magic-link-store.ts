/** Magic-link records in KV, keyed by the SHA-256 of the token (the clear token exists only in the mail). */
import type { Env } from "../config";
import { sha256b64url } from "../lib/crypto";
import { isSecret, newSecret } from "../lib/user-token";
import type { LinkRequester } from "./link-binding";

/** 15 minutes (above KV's 60 s TTL floor). */
export const MAGIC_LINK_TTL_S = 15 * 60;

export interface MagicLinkRecord {
  email: string;
  /** The user at issuance, or null for an address with no account yet (sign-up). */
  userId: string | null;
  returnTo: string;
  expiresAt: number;
  /** The browser that asked for the link (src/magic-link/link-binding.ts); absent on records made without one. */
  requestedBy?: LinkRequester | null;
}

export async function storeMagicLink(
  env: Env,
  record: Omit<MagicLinkRecord, "expiresAt">,
  now: number,
  token: string = newSecret(), // 256 bits
): Promise<{ token: string; record: MagicLinkRecord }> {
  const full: MagicLinkRecord = { ...record, expiresAt: now + MAGIC_LINK_TTL_S * 1000 };
  await env.KV.put(`ml:${await sha256b64url(token)}`, JSON.stringify(full), { expirationTtl: MAGIC_LINK_TTL_S });
  return { token, record: full };
}

export async function loadMagicLink(
  env: Env,
  token: string,
  now: number,
): Promise<{ hash: string; record: MagicLinkRecord } | null> {
  // A link token is a bare secret (lib/user-token.ts): anything else is not looked up.
  if (!isSecret(token)) return null;
  const hash = await sha256b64url(token);
  const record = await env.KV.get<MagicLinkRecord>(`ml:${hash}`, "json");
  if (!record || now >= record.expiresAt) return null;
  return { hash, record };
}

export async function forgetMagicLink(env: Env, hash: string): Promise<void> {
  await env.KV.delete(`ml:${hash}`);
}
