/**
 * GitHub's profile as an upstream identity (REST API: "Get the authenticated user", "List email addresses for the
 * authenticated user"). Pure: the shapes in, the profile out. Only the primary address counts, verified or not.
 */
import { type UpstreamProfile, upstreamEmail } from "./profile";

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

function isEmailEntry(x: unknown): x is GitHubEmail {
  const e = x as Partial<GitHubEmail> | null;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.email === "string" &&
    typeof e.primary === "boolean" &&
    typeof e.verified === "boolean"
  );
}

/** Null when /user has no numeric id (not GitHub's shape). */
export function githubProfile(user: unknown, emails: unknown): UpstreamProfile | null {
  const u = user as { id?: unknown; name?: unknown; login?: unknown } | null;
  if (typeof u !== "object" || u === null || typeof u.id !== "number" || !Number.isSafeInteger(u.id)) return null;
  const list = Array.isArray(emails) ? emails.filter(isEmailEntry) : [];
  // A verified secondary address does not stand in for the primary one: the primary is the one GitHub mails.
  const primary = list.find((e) => e.primary) ?? null;
  const name = typeof u.name === "string" && u.name ? u.name : typeof u.login === "string" ? u.login : null;
  const address = primary ? upstreamEmail(primary.email) : null;
  const verified = address?.asSent === true && primary?.verified === true;
  return { subject: String(u.id), email: address?.email ?? null, emailVerified: verified, name };
}
