/** What an upstream provider says about the person, after every check upstream.ts makes. */
import { parseEmailAddress } from "../lib/email-address";
import type { Preset } from "./connection";

export interface UpstreamProfile {
  /** The provider's stable id for the person (`sub`; GitHub: the numeric id). */
  subject: string;
  email: string | null;
  /** What the provider says; whether Latchkey believes it is presets.ts's emailTrusted. */
  emailVerified: boolean;
  name: string | null;
}

/**
 * The address in Latchkey's one spelling (src/lib/email-address.ts), or null when it is not one we can mail, and
 * whether that is the provider's own spelling but for ASCII case. Normalizing can merge addresses the provider holds apart
 * (NFC maps the Kelvin sign U+212A to "K"; a U-label domain becomes its A-label): the provider verified its
 * spelling, not ours, so a rewritten address never counts as verified.
 */
export function upstreamEmail(raw: unknown): { email: string; asSent: boolean } | null {
  if (typeof raw !== "string") return null;
  const parsed = parseEmailAddress(raw);
  if (!parsed.ok) return null;
  // ASCII case only: toLowerCase() itself maps the Kelvin sign to "k".
  const asciiLower = raw.trim().replace(/[A-Z]/g, (ch) => ch.toLowerCase());
  return { email: parsed.email, asSent: parsed.email === asciiLower };
}

/**
 * Whether Google is authoritative for the address: a Gmail address, or one in the Workspace domain the `hd` claim
 * names. For any other address Google's email_verified says it was verified once, not that its owner is who signed
 * in now (Google Identity, "Authenticate with a backend server": "email, email_verified and hd").
 */
function googleAuthoritative(email: string, hd: unknown): boolean {
  const domain = email.slice(email.lastIndexOf("@") + 1);
  return domain === "gmail.com" || (typeof hd === "string" && hd.toLowerCase() === domain);
}

/**
 * OIDC Core §5.1 claims to a profile. email_verified is a boolean (§5.1); only Apple sends it as the string "true".
 * Google's counts only where Google is authoritative for the address.
 */
export function profileFromClaims(claims: Record<string, unknown>, preset: Preset | null = null): UpstreamProfile {
  const said = claims.email_verified === true || (preset === "apple" && claims.email_verified === "true");
  const address = upstreamEmail(claims.email);
  const email = address?.email ?? null;
  const authoritative = email !== null && (preset !== "google" || googleAuthoritative(email, claims.hd));
  const given = typeof claims.given_name === "string" ? claims.given_name : "";
  const family = typeof claims.family_name === "string" ? claims.family_name : "";
  const name = typeof claims.name === "string" && claims.name ? claims.name : `${given} ${family}`.trim() || null;
  return {
    subject: String(claims.sub),
    email,
    emailVerified: said && address?.asSent === true && authoritative,
    name: name?.slice(0, 200) ?? null,
  };
}
