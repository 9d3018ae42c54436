/**
 * Client authentication at the token and revocation endpoints (RFC 6749 §2.3): client_secret_basic, client_secret_post,
 * none.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { OAuthError } from "../errors";
import { sha256b64url, timingSafeEqual } from "../lib/crypto";
import type { TokenEndpointAuthMethod } from "./capabilities";
import { type ClientRecord, getClient } from "./clients";

interface PresentedCredentials {
  method: TokenEndpointAuthMethod;
  clientId: string;
  secret: string | null;
}

/** RFC 6749 Appendix B: undo application/x-www-form-urlencoded encoding of one value. */
function formDecode(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/** RFC 7617 §2 Basic credentials, with RFC 6749 §2.3.1's form-encoding of id and secret. Null when malformed. */
function parseBasic(header: string): { clientId: string; secret: string } | null {
  const m = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header);
  if (!m) return null;
  let decoded: string;
  try {
    const bin = atob(m[1]!);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === null || secret === null || clientId.length === 0) return null;
  return { clientId, secret };
}

/**
 * Which single method the request uses (pure). RFC 6749 §2.3: a client MUST NOT use more than one
 * authentication method in a request; §5.2 calls that invalid_request.
 */
export function presentedCredentials(
  authorization: string | undefined,
  form: Map<string, string>,
): PresentedCredentials {
  const bodyId = form.get("client_id");
  const bodySecret = form.get("client_secret");
  if (authorization !== undefined) {
    const basic = parseBasic(authorization);
    // RFC 6749 §5.2 invalid_client: "unsupported authentication method" (any other scheme, or a malformed Basic value).
    if (!basic)
      throw new OAuthError("invalid_client", "The Authorization header is not valid HTTP Basic client authentication.");
    if (bodySecret !== undefined)
      throw new OAuthError(
        "invalid_request",
        "Use one client authentication method, not both Basic and client_secret.",
      );
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw new OAuthError("invalid_request", "client_id in the body does not match the Authorization header.");
    }
    return { method: "client_secret_basic", clientId: basic.clientId, secret: basic.secret };
  }
  // RFC 6749 §5.2 invalid_client: "no client authentication included" (and no client_id either).
  if (bodyId === undefined || bodyId.length === 0)
    throw new OAuthError("invalid_client", "Client authentication is required.");
  if (bodySecret !== undefined) return { method: "client_secret_post", clientId: bodyId, secret: bodySecret };
  // RFC 6749 §2.1 / RFC 7591 §2 "none": a public client only identifies itself.
  return { method: "none", clientId: bodyId, secret: null };
}

const FAILED = "Client authentication failed.";

/**
 * RFC 6749 §2.3.1: whether `secret` is the client's: its current secret, or the one a rotation replaced while its
 * grace period lasts. Only SHA-256 digests are stored; each stored digest is compared in constant time, the
 * previous one whether or not the current one matched, so the time taken does not tell which one did.
 */
async function secretMatches(client: ClientRecord, secret: string, now: number): Promise<boolean> {
  const given = await sha256b64url(secret);
  const current = client.secretHash !== null && timingSafeEqual(given, client.secretHash);
  const previous =
    client.previousSecretHash !== null &&
    timingSafeEqual(given, client.previousSecretHash) &&
    client.previousSecretExpiresAt !== null &&
    now < client.previousSecretExpiresAt;
  return current || previous;
}

/**
 * Authenticates the client of a token or revocation request; every failure is invalid_client (401) or invalid_request.
 */
export async function authenticateClient(
  c: Context<AppEnv>,
  form: Map<string, string>,
  now = Date.now(),
): Promise<ClientRecord> {
  const presented = presentedCredentials(c.req.header("authorization"), form);
  let client = await getClient(c.env, presented.clientId);
  // RFC 6749 §5.2 invalid_client: unknown client. The wire message is the same for every failure; the detail goes to
  // logs.
  if (!client) throw new OAuthError("invalid_client", FAILED);
  // RFC 7591 §2: the client uses the method it registered, and no other.
  if (presented.method !== client.tokenEndpointAuthMethod) {
    console.warn(
      JSON.stringify({ event: "client_auth_failed", clientId: client.id, reason: "method", used: presented.method }),
    );
    throw new OAuthError("invalid_client", FAILED);
  }
  if (presented.method === "none") return client;
  const secret = presented.secret ?? "";
  if (!(await secretMatches(client, secret, now))) {
    // A secret rotated on another isolate is not in this isolate's cached record yet: one read of the stored row
    // (only on this failure path; a matching secret costs no query).
    client = await getClient(c.env, presented.clientId, true);
    if (!client || client.tokenEndpointAuthMethod !== presented.method || !(await secretMatches(client, secret, now))) {
      console.warn(JSON.stringify({ event: "client_auth_failed", clientId: presented.clientId, reason: "secret" }));
      throw new OAuthError("invalid_client", FAILED);
    }
  }
  return client;
}
