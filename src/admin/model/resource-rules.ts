/**
 * The rules a resource server's definition must meet (pure): its identifier is the RFC 8707 resource indicator
 * that becomes its tokens' `aud`, its scopes are RFC 6749 §3.3 scope-tokens of its own.
 */
import { LOOPBACK_HOSTS } from "../../lib/loopback";
import { SCOPES } from "../../oidc/capabilities";
import type { InvalidField } from "../api/problem";

export const MAX_IDENTIFIER_LENGTH = 2000;
export const MAX_RESOURCE_SCOPES = 100;
export const MAX_SCOPE_DESCRIPTION = 300;
const MAX_SCOPE_VALUE = 128;
export const MAX_INTROSPECTION_CLIENTS = 50;

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) (no space, quote or backslash). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Why `identifier` cannot name a resource here, or null when it can. */
export function identifierProblem(identifier: string, issuer: string): string | null {
  if (identifier.length > MAX_IDENTIFIER_LENGTH) return `at most ${MAX_IDENTIFIER_LENGTH} characters`;
  // Printable ASCII only: the identifier is compared as a string and stored in space-separated consent records.
  if (!/^[\x21-\x7E]+$/.test(identifier)) return "an absolute URI of printable ASCII characters, without spaces";
  // RFC 8707 §2: "an absolute URI" that "MUST NOT include a fragment component".
  if (identifier.includes("#")) return "must not have a fragment (RFC 8707 §2)";
  let url: URL;
  try {
    url = new URL(identifier);
  } catch {
    return "must be an absolute URI (RFC 8707 §2)";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) {
    return "must be an https URI (http only on a loopback host)";
  }
  // The issuer is the audience of tokens for userinfo: no API may take it over.
  if (url.href === new URL(issuer).href || url.href.replace(/\/$/, "") === issuer.replace(/\/$/, "")) {
    return "must not be the issuer itself";
  }
  return null;
}

export interface ScopeDefinition {
  value: string;
  description: string;
}

/** Each problem with a resource's scope list, as invalid fields under /scopes. */
export function scopeProblems(scopes: readonly ScopeDefinition[]): InvalidField[] {
  const problems: InvalidField[] = [];
  const seen = new Set<string>();
  for (const [i, s] of scopes.entries()) {
    const pointer = `/scopes/${i}/value`;
    if (!SCOPE_TOKEN.test(s.value) || s.value.length > MAX_SCOPE_VALUE) {
      problems.push({ pointer, detail: `a scope-token of 1 to ${MAX_SCOPE_VALUE} characters (RFC 6749 §3.3)` });
    } else if ((SCOPES as readonly string[]).includes(s.value)) {
      problems.push({ pointer, detail: `${s.value} is an OpenID Connect scope of this provider` });
    } else if (seen.has(s.value)) {
      problems.push({ pointer, detail: `${s.value} is listed twice` });
    }
    seen.add(s.value);
  }
  return problems;
}
