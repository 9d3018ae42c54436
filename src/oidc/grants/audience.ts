/**
 * RFC 8707 resource indicators (pure): the parameter's syntax, which resources a client may be issued tokens for,
 * the audience and lifetime of a token for one, and the scopes it may carry.
 */
import { OAuthError } from "../../errors";
import { ACCESS_TOKEN_TTL_S } from "../../lib/token-lifetimes";
import { isOneOf, SCOPES } from "../capabilities";
import type { ResourceServer } from "../resource-registry";
import type { Scope } from "../scope";
import type { AccessTokenAudience } from "../token-claims";

/** Why `value` is not a resource indicator (RFC 8707 §2: an absolute URI without a fragment), or null. */
export function resourceSyntaxProblem(value: string): string | null {
  if (value.length > 2000) return "resource is too long";
  // RFC 8707 §2: "MUST NOT include a fragment component".
  if (value.includes("#")) return "resource must not have a fragment";
  try {
    new URL(value);
  } catch {
    return "resource must be an absolute URI";
  }
  return null;
}

/** The `resource` sent to /token (null when absent), refused with invalid_target when malformed (RFC 8707 §2). */
export function requestedResource(form: Map<string, string>): string | null {
  const resource = form.get("resource");
  if (resource === undefined) return null;
  const problem = resourceSyntaxProblem(resource);
  if (problem !== null) throw new OAuthError("invalid_target", problem);
  return resource;
}

/**
 * The resources users can authorize this client for: registered ones it holds a grant on. The built-in admin API
 * is not among them: it takes client_credentials tokens (the client's own access), never a user's.
 */
export function servedToClient(
  resources: readonly ResourceServer[],
  grants: ReadonlyMap<string, ReadonlySet<string>>,
): ResourceServer[] {
  return resources.filter((r) => !r.builtIn && grants.has(r.id));
}

/** RFC 9068 §3 / RFC 8707 §2: aud is the resource identifier, with its lifetime; the issuer (userinfo) without one. */
export function audienceFor(resource: ResourceServer | null, issuer: string): AccessTokenAudience {
  if (resource === null) return { audience: issuer, ttlS: ACCESS_TOKEN_TTL_S };
  return { audience: resource.identifier, ttlS: resource.accessTokenTtlS };
}

/**
 * What a token may carry of `consented`: its OpenID Connect scopes, and the API scopes still granted to the client
 * on the resource (an administrator may have narrowed the grant since the person consented).
 */
export function grantedScope(consented: Scope, granted: ReadonlySet<string> | undefined): Scope {
  return new Set([...consented].filter((s) => isOneOf(SCOPES, s) || (granted?.has(s) ?? false)));
}

/** The resource a grant names (by identifier) among those served, or invalid_target when it is no longer one. */
export function authorizedResource(
  identifier: string | null,
  served: readonly ResourceServer[],
): ResourceServer | null {
  if (identifier === null) return null;
  const resource = served.find((r) => r.identifier === identifier);
  // RFC 8707 §2.2: deleted, or its grant to the client taken away, since authorization.
  if (!resource) throw new OAuthError("invalid_target", "the resource is no longer served to this client");
  return resource;
}
