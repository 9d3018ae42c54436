/** What an upstream provider says about the person, after every check upstream.ts makes. */
import { parseEmailAddress } from "../lib/email-address";

export interface UpstreamProfile {
  /** The provider's stable id for the person (`sub`; GitHub: the numeric id). */
  subject: string;
  email: string | null;
  /** What the provider says; whether Latchkey believes it is presets.ts's emailTrusted. */
  emailVerified: boolean;
  name: string | null;
}

/** The address in Latchkey's one spelling (src/lib/email-address.ts), or null when it is not one we can mail. */
export function upstreamEmail(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const parsed = parseEmailAddress(raw);
  return parsed.ok ? parsed.email : null;
}

/** OIDC Core §5.1 claims to a profile; Apple sends email_verified as the string "true". */
export function profileFromClaims(claims: Record<string, unknown>): UpstreamProfile {
  const verified = claims.email_verified === true || claims.email_verified === "true";
  const email = upstreamEmail(claims.email);
  const given = typeof claims.given_name === "string" ? claims.given_name : "";
  const family = typeof claims.family_name === "string" ? claims.family_name : "";
  const name = typeof claims.name === "string" && claims.name ? claims.name : `${given} ${family}`.trim() || null;
  return {
    subject: String(claims.sub),
    email,
    emailVerified: email !== null && verified,
    name: name?.slice(0, 200) ?? null,
  };
}
