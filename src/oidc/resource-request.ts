/**
 * RFC 8707 `resource` in an authorization request (pure): it must name a registered resource the client holds a
 * grant on, and the API scopes asked for must be ones that grant gives. OpenID Connect scopes are checked as before.
 */
import { isOneOf, SCOPES } from "./capabilities";
import { resourceSyntaxProblem } from "./grants/audience";
import type { ResourceServer } from "./resource-registry";
import { type Scope, supportedScope } from "./scope";

/** What the check needs to know: the resources served to this client (grants/audience.ts servedToClient). */
export interface ResourceCatalogue {
  served: readonly ResourceServer[];
  /** The client's granted scopes by resource id. */
  grants: ReadonlyMap<string, ReadonlySet<string>>;
}

export const NO_RESOURCES: ResourceCatalogue = { served: [], grants: new Map() };

export type ResourceCheck =
  | { ok: true; resource: ResourceServer | null; scope: Scope }
  | { ok: false; error: "invalid_target" | "invalid_scope"; description: string };

export function checkResourceRequest(
  value: string | undefined,
  requested: Scope,
  catalogue: ResourceCatalogue,
): ResourceCheck {
  // RFC 6749 §3.3: without a resource, scopes this provider does not define are ignored.
  if (value === undefined) return { ok: true, resource: null, scope: supportedScope(requested) };
  // RFC 8707 §2: an absolute URI without a fragment; anything else is invalid_target.
  const syntax = resourceSyntaxProblem(value);
  if (syntax !== null) return { ok: false, error: "invalid_target", description: syntax };
  // RFC 8707 §2: a resource this server does not serve to the client is invalid_target.
  const resource = catalogue.served.find((r) => r.identifier === value);
  if (!resource) {
    return { ok: false, error: "invalid_target", description: "this resource is not available to this client" };
  }
  // RFC 6749 §4.1.2.1 invalid_scope: an API scope the client was not granted on the resource.
  const granted = catalogue.grants.get(resource.id) ?? new Set<string>();
  const refused = [...requested].filter((s) => !isOneOf(SCOPES, s) && !granted.has(s));
  if (refused.length > 0) {
    const description = `scope not granted to this client on the resource: ${refused.join(" ")}`.slice(0, 300);
    return { ok: false, error: "invalid_scope", description };
  }
  return { ok: true, resource, scope: requested };
}
