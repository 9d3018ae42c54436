/**
 * The clear secrets of a client_secret_jwt client (OIDC Core §9: the HMAC key is the client secret itself), sealed
 * with AES-GCM under KEY_ENCRYPTION_SECRET (keys/crypto-box.ts) and bound to the client id. The sealed value holds
 * the current secret and, after a rotation, the one it replaced: that one verifies assertions until the row's
 * previous_secret_expires_at, exactly as its hash does for client_secret_basic/post.
 */
import { decryptString, encryptString } from "../keys/crypto-box";

export interface ClientSecrets {
  current: string;
  previous: string | null;
}

export function sealClientSecrets(keySecret: string, clientId: string, secrets: ClientSecrets): Promise<string> {
  return encryptString(keySecret, JSON.stringify(secrets), `client:${clientId}`, "client-secret");
}

/** Throws (our own data) when the row was sealed under another secret or for another client. */
export async function openClientSecrets(keySecret: string, clientId: string, sealed: string): Promise<ClientSecrets> {
  const parsed = JSON.parse(await decryptString(keySecret, sealed, `client:${clientId}`, "client-secret")) as {
    current?: unknown;
    previous?: unknown;
  };
  if (typeof parsed.current !== "string") throw new Error("sealed client secrets have no current secret");
  return { current: parsed.current, previous: typeof parsed.previous === "string" ? parsed.previous : null };
}
