/**
 * What a person consents to, as stored in their object's `consents` (pure): OpenID Connect scopes bare (as records
 * made before resource indicators hold them), an API scope as `<resource identifier>#<scope>` so that consent to
 * one API's "read" is not consent to another's. RFC 8707 §2 identifiers have no fragment, so the first "#" divides.
 */
import { isOneOf, SCOPES } from "./capabilities";
import type { Scope } from "./scope";

export function consentTokens(scope: Scope, resource: string | null): string[] {
  return [...scope].map((s) => (isOneOf(SCOPES, s) || resource === null ? s : `${resource}#${s}`));
}
