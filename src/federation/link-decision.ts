/**
 * Who an upstream identity signs in as: the one rule against the "nOAuth" account-takeover class. Pure.
 *
 * - An identity already linked signs in as its user.
 * - An address counts as proven only when the provider says it verified it and the connection trusts that
 *   (presets.ts emailTrusted). A proven address creates the user, or links to the user who has it.
 * - An unproven address never links, and never creates a user either: the person proves it with an emailed
 *   link (or signs in to the account that has it) first. Creating an account on an unproven address would let
 *   whoever controls the upstream identity pre-hijack the real owner's account, which the owner would later
 *   enter by link with the attacker's identity still attached (Sudhodanan & Paverd, "Pre-hijacked accounts",
 *   USENIX Security 2022, the "unexpired federated" and "non-verifying IdP" attacks).
 */

export type LinkDecision =
  | { kind: "returning"; userId: string }
  | { kind: "create"; email: string }
  | { kind: "link"; userId: string }
  | { kind: "prove"; email: string }
  | { kind: "refuse"; reason: "no_email" };

export interface LinkFacts {
  /** The user the (connection, subject) pair is linked to, if any. */
  linkedUserId: string | null;
  /** The user whose address the provider names, if any. */
  emailOwnerId: string | null;
  email: string | null;
  /** email_verified from the provider and trusted by the connection. */
  emailProven: boolean;
}

export function decideLink(facts: LinkFacts): LinkDecision {
  if (facts.linkedUserId !== null) return { kind: "returning", userId: facts.linkedUserId };
  // Every account has an address it can be reached at (a link sign-in, the privacy mails).
  if (facts.email === null) return { kind: "refuse", reason: "no_email" };
  if (!facts.emailProven) return { kind: "prove", email: facts.email };
  if (facts.emailOwnerId !== null) return { kind: "link", userId: facts.emailOwnerId };
  return { kind: "create", email: facts.email };
}
