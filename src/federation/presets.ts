/**
 * What each preset provider needs, as data: its type, issuer, scopes, how its answer comes back, and whether its
 * `email_verified` can ever be trusted. Pure; the HTTP side is upstream.ts.
 */
import type { ConnectionType, Preset } from "./connection";

interface PresetFacts {
  type: ConnectionType;
  issuer: string;
  scopes: string[];
  /** Microsoft Entra's `email` claim is not verified by it: never trusted for linking, whatever is configured. */
  emailTrustable: boolean;
}

const PRESET_FACTS: Record<Preset, PresetFacts> = {
  google: {
    type: "oidc",
    issuer: "https://accounts.google.com",
    scopes: ["openid", "email", "profile"],
    emailTrustable: true,
  },
  // The multi-tenant issuer; a single tenant is https://login.microsoftonline.com/<tenant id>/v2.0.
  microsoft: {
    type: "oidc",
    issuer: "https://login.microsoftonline.com/common/v2.0",
    scopes: ["openid", "email", "profile"],
    emailTrustable: false,
  },
  apple: {
    type: "oidc",
    issuer: "https://appleid.apple.com",
    scopes: ["openid", "email", "name"],
    emailTrustable: true,
  },
  // OAuth 2.0 without OpenID Connect: the profile comes from the REST API (github.ts).
  github: { type: "oauth2", issuer: "https://github.com", scopes: ["read:user", "user:email"], emailTrustable: true },
};

/** The type, issuer and scopes a preset connection starts with (the issuer may be changed: a tenant, an Enterprise host). */
export function presetDefaults(preset: Preset): { type: ConnectionType; issuer: string; scopes: string[] } {
  const { type, issuer, scopes } = PRESET_FACTS[preset];
  return { type, issuer, scopes: [...scopes] };
}

/** Whether an upstream's `email_verified` may make an address proven: the connection trusts it and the preset can. */
export function emailTrusted(connection: { preset: Preset | null; trustEmailVerified: boolean }): boolean {
  if (!connection.trustEmailVerified) return false;
  return connection.preset === null || PRESET_FACTS[connection.preset].emailTrustable;
}

/**
 * Apple answers with a form post when it is asked for the name or email (Sign in with Apple REST API,
 * "response_mode"); every other provider answers in the query string (OAuth 2.0 Multiple Response Types §2.1).
 */
export function responseMode(preset: Preset | null): "query" | "form_post" {
  return preset === "apple" ? "form_post" : "query";
}

const TENANT_TEMPLATE = "{tenantid}";
/** Entra tenant ids are GUIDs (Microsoft identity platform, ID token claims reference: `tid`). */
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether an Entra discovery document's issuer fits the configured one: the same, or for the `common` and
 * `organizations` endpoints the template `https://login.microsoftonline.com/{tenantid}/v2.0` they publish.
 */
export function microsoftIssuerFits(configured: string, published: string): boolean {
  if (published === configured) return true;
  const multi = /^https:\/\/login\.microsoftonline\.com\/(common|organizations)\/v2\.0$/.exec(configured);
  return multi !== null && published === `https://login.microsoftonline.com/${TENANT_TEMPLATE}/v2.0`;
}

/**
 * The `iss` an ID token must carry (Microsoft identity platform, "Validate the issuer"): the published issuer with
 * `{tenantid}` replaced by the token's own `tid`, so a token of one tenant cannot name another. Null when the
 * template needs a tid the token does not carry as a GUID.
 */
export function expectedIssuer(published: string, tid: unknown): string | null {
  if (!published.includes(TENANT_TEMPLATE)) return published;
  if (typeof tid !== "string" || !TENANT_ID.test(tid)) return null;
  return published.replace(TENANT_TEMPLATE, tid.toLowerCase());
}

/** GitHub's endpoints from its web origin; GitHub Enterprise Server serves the REST API under /api/v3. */
export function githubEndpoints(origin: string): { authorize: string; token: string; api: string } {
  const base = origin.replace(/\/+$/, "");
  return {
    authorize: `${base}/login/oauth/authorize`,
    token: `${base}/login/oauth/access_token`,
    api: base === "https://github.com" ? "https://api.github.com" : `${base}/api/v3`,
  };
}
