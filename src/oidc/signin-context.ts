/** What the sign-in page says about where the person is going (the client of a parked authorization). */
import type { Env } from "../config";
import { loadParkedClient, loadParkedRequest, type ParkedClient } from "./parked-request";

const PARKED_CONTINUATION = /^\/authorize\/continue\?rid=([A-Za-z0-9_-]{20,64})$/;

export async function signInContext(env: Env, returnTo: string): Promise<ParkedClient | null> {
  const match = PARKED_CONTINUATION.exec(returnTo);
  if (!match) return null;
  return loadParkedClient(env, match[1]!);
}

/** The client redirect URI a parked authorization at `returnTo` ends at, or null when `returnTo` is not one. */
export async function parkedRedirectUri(env: Env, returnTo: string): Promise<string | null> {
  const match = PARKED_CONTINUATION.exec(returnTo);
  if (!match) return null;
  return (await loadParkedRequest(env, match[1]!, Date.now()))?.redirectUri ?? null;
}
