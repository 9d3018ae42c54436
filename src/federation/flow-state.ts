/**
 * A federated sign-in in flight, from the authorization request to the callback: what it committed to (state,
 * nonce, PKCE verifier), where it returns, and the browser that started it. In KV under a hash of `state`, read
 * once; KV is only the lookup: the sign-in consumes `flowOneTimeId` in the user's Durable Object together with
 * the session's creation, so a replayed callback starts nothing.
 */
import type { Env } from "../config";
import { sha256b64url } from "../lib/crypto";
import type { OneTimeId } from "../user/types";
import type { UpstreamCommitments } from "./upstream";

/** Ten minutes to sign in at the provider. KV's shortest TTL is 60 s. */
export const FLOW_TTL_S = 10 * 60;

export interface FlowState extends UpstreamCommitments {
  connectionId: string;
  /** "signin" from the sign-in page; "link" from the account page, for the user in `linkUserId`. */
  intent: "signin" | "link";
  linkUserId: string | null;
  returnTo: string;
  /** SHA-256 of the browser binding id (purpose "federation"): only that browser may finish it (RFC 9700 §4.7). */
  browserHash: string;
  createdAt: number;
  expiresAt: number;
}

const STATE_PATTERN = /^[A-Za-z0-9_-]{20,128}$/;

async function key(state: string): Promise<string> {
  return `fs:${await sha256b64url(state)}`;
}

export async function saveFlow(env: Env, flow: FlowState): Promise<void> {
  await env.KV.put(await key(flow.state), JSON.stringify(flow), { expirationTtl: FLOW_TTL_S });
}

/** The flow `state` names, removed from KV as it is read; null when unknown, expired or malformed. */
export async function takeFlow(env: Env, state: string | undefined, now: number): Promise<FlowState | null> {
  if (!state || !STATE_PATTERN.test(state)) return null;
  const k = await key(state);
  const flow = await env.KV.get<FlowState>(k, "json");
  if (!flow) return null;
  await env.KV.delete(k);
  return now < flow.expiresAt && flow.state === state ? flow : null;
}

/** The one-time id that spends the flow, consumed in the user's Durable Object with the session's start. */
export async function flowOneTimeId(flow: FlowState): Promise<OneTimeId> {
  return { id: `fed:${await sha256b64url(flow.state)}`, expiresAt: flow.expiresAt };
}
