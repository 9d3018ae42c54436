/** What the sign-in page says about where the person is going (the client of a parked authorization). */
import type { Env } from "../config";
import { loadParkedClient } from "../oidc/parked-request";

export async function signInContext(env: Env, returnTo: string): Promise<{ name: string; logoUri: string | null } | null> {
  const match = /^\/authorize\/continue\?rid=([A-Za-z0-9_-]{20,64})$/.exec(returnTo);
  if (!match) return null;
  return loadParkedClient(env, match[1]!);
}
