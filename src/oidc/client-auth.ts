/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3): client_secret_basic,
 * client_secret_post, none, and the JWT assertions of OIDC Core §9 / RFC 7523 (assertion-auth.ts).
 */
import type { Context } from "hono";
import { decodeJwt } from "jose";
import type { AppEnv } from "../app-types";
import { OAuthError } from "../errors";
import { sha256b64url, timingSafeEqual } from "../lib/crypto";
import { verifyClientAssertion } from "./assertion-auth";
import { JWT_BEARER_ASSERTION_TYPE, type TokenEndpointAuthMethod } from "./capabilities";
import { type ClientRecord, getClient } from "./clients";

interface PresentedCredentials {
  /** "jwt" is private_key_jwt or client_secret_jwt: which one is the client's registration's to say. */
  method: TokenEndpointAuthMethod | "jwt";
  clientId: string;
  secret: string | null;
  assertion?: string;
}

/**
 * RFC 7523 §2.2: a JWT assertion in client_assertion with client_assertion_type jwt-bearer; its iss names the client.
 * Null when the request carries no assertion parameters.
 */
function presentedAssertion(form: Map<string, string>): PresentedCredentials | null {
  const type = form.get("client_assertion_type");
  const assertion = form.get("client_assertion");
  if (type === undefined && assertion === undefined) return null;
  if (type !== JWT_BEARER_ASSERTION_TYPE)
    throw new OAuthError("invalid_request", `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}.`);
  if (!assertion) throw new OAuthError("invalid_request", "client_assertion is required with client_assertion_type.");
  // RFC 6749 §2.3: one method per request.
  if (form.has("client_secret"))
    throw new OAuthError(
      "invalid_request",
      "Use one client authentication method, not client_secret and an assertion.",
    );
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    // RFC 7523 §3.2: an assertion that cannot be read is invalid_client (the same wire message as every failure).
    throw new OAuthError("invalid_client", FAILED);
  }
  if (typeof iss !== "string" || iss.length === 0) throw new OAuthError("invalid_client", FAILED);
  // RFC 7523 §3 item 1 / OIDC Core §9: a client_id in the body must be the assertion's client.
  const bodyId = form.get("client_id");
  if (bodyId !== undefined && bodyId !== iss)
    throw new OAuthError("invalid_request", "client_id in the body does not match the client assertion.");
  return { method: "jwt", clientId: iss, secret: null, assertion };
}

const FAILED = "Client authentication failed.";

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
  const hasAssertion = form.has("client_assertion") || form.has("client_assertion_type");
  if (authorization !== undefined) {
    const basic = parseBasic(authorization);
    // RFC 6749 §5.2 invalid_client: "unsupported authentication method" (any other scheme, or a malformed Basic value).
    if (!basic)
      throw new OAuthError("invalid_client", "The Authorization header is not valid HTTP Basic client authentication.");
    if (bodySecret !== undefined || hasAssertion)
      throw new OAuthError(
        "invalid_request",
        `Use one client authentication method, not both Basic and ${hasAssertion ? "an assertion" : "client_secret"}.`,
      );
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw new OAuthError("invalid_request", "client_id in the body does not match the Authorization header.");
    }
    return { method: "client_secret_basic", clientId: basic.clientId, secret: basic.secret };
  }
  const asserted = presentedAssertion(form);
  if (asserted) return asserted;
  // RFC 6749 §5.2 invalid_client: "no client authentication included" (and no client_id either).
  if (bodyId === undefined || bodyId.length === 0)
    throw new OAuthError("invalid_client", "Client authentication is required.");
  if (bodySecret !== undefined) return { method: "client_secret_post", clientId: bodyId, secret: bodySecret };
  // RFC 6749 §2.1 / RFC 7591 §2 "none": a public client only identifies itself.
  return { method: "none", clientId: bodyId, secret: null };
}

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

function usesAssertion(method: TokenEndpointAuthMethod): boolean {
  return method === "private_key_jwt" || method === "client_secret_jwt";
}

/**
 * A JWT client assertion (assertion-auth.ts). On a signature or key failure the stored row is read once more: a
 * rotated secret or changed jwks on another isolate is not in this isolate's cached record yet.
 */
async function assertionAuthenticates(
  c: Context<AppEnv>,
  client: ClientRecord,
  assertion: string,
  now: number,
  endpoint: string,
): Promise<ClientRecord> {
  const config = c.get("config");
  // RFC 7523 §3 item 3 / OIDC Core §9: the issuer or the token endpoint URL; also the endpoint being called.
  const audiences = [config.issuer, `${config.issuer}/token`, endpoint];
  const ctx = { env: c.env, keyEncryptionSecret: config.keyEncryptionSecret, audiences, now };
  let outcome = await verifyClientAssertion(client, assertion, ctx);
  if (!outcome.ok && (outcome.reason === "signature" || outcome.reason === "unknown_kid")) {
    const stored = await getClient(c.env, client.id, true);
    if (stored && stored.tokenEndpointAuthMethod === client.tokenEndpointAuthMethod) {
      client = stored;
      outcome = await verifyClientAssertion(client, assertion, ctx);
    }
  }
  if (!outcome.ok) {
    const log = { event: "client_auth_failed", clientId: client.id, reason: `assertion_${outcome.reason}` };
    console.warn(JSON.stringify("detail" in outcome ? { ...log, detail: outcome.detail } : log));
    throw new OAuthError("invalid_client", FAILED);
  }
  return client;
}

/**
 * Authenticates the client of a token, revocation or introspection request; every failure is invalid_client (401)
 * or invalid_request. `endpoint` is the URL an assertion's aud may name besides the issuer and token endpoint
 * (default: the issuer's URL of the path being called).
 */
export async function authenticateClient(
  c: Context<AppEnv>,
  form: Map<string, string>,
  now = Date.now(),
  endpoint = `${c.get("config").issuer}${new URL(c.req.url).pathname}`,
): Promise<ClientRecord> {
  const presented = presentedCredentials(c.req.header("authorization"), form);
  let client = await getClient(c.env, presented.clientId);
  // RFC 6749 §5.2 invalid_client: unknown client. The wire message is the same for every failure; the detail goes to
  // logs.
  if (!client) throw new OAuthError("invalid_client", FAILED);
  // OIDC Core §9: an assertion authenticates a client registered for private_key_jwt or client_secret_jwt.
  if (presented.method === "jwt" && usesAssertion(client.tokenEndpointAuthMethod))
    return assertionAuthenticates(c, client, presented.assertion ?? "", now, endpoint);
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
