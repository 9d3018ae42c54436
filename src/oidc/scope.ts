/**
 * Scopes inside Latchkey are a parsed set (RFC 6749 §3.3: space-delimited, order-free, case-sensitive); they are
 * joined with " " only at the wire and in stored records. Insertion order is kept, so a joined scope reads as asked.
 */
import { isOneOf, SCOPES } from "./capabilities";

export type Scope = ReadonlySet<string>;

/** RFC 6749 §3.3 scope-token list → set (duplicates and empty tokens dropped). */
export function parseScope(value: string | undefined | null): Scope {
  return new Set((value ?? "").split(" ").filter(Boolean));
}

/** The wire form. */
export function formatScope(scope: Scope): string {
  return [...scope].join(" ");
}

/** RFC 6749 §3.3: the scopes this provider supports, in the order asked for; the rest is ignored. */
export function supportedScope(requested: Scope): Scope {
  return new Set([...requested].filter((s) => isOneOf(SCOPES, s)));
}

/** Whether every scope in `scope` is in `within`. */
export function scopeWithin(scope: Scope, within: Scope | readonly string[]): boolean {
  const outer = new Set(within);
  return [...scope].every((s) => outer.has(s));
}
