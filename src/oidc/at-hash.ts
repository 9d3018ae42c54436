/** OIDC Core §3.1.3.6 at_hash: left half of the hash of the access token, base64url. */
import type { SigningAlg } from "../keys/key-policy";
import { base64url } from "../lib/crypto";

export async function atHash(accessToken: string, alg: SigningAlg): Promise<string> {
  // Both ES256 and RS256 use SHA-256.
  void alg;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken)));
  return base64url(digest.slice(0, digest.length / 2));
}
