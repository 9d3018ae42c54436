/**
 * Protocol-neutral records the user's Durable Object shares with its callers: sessions, one-time ids, grants,
 * counters and live links. Types only, so a caller can name them without importing the class.
 */

/**
 * RFC 8176 §2 values (see src/sessions/assurance.ts); "hwk", "swk" and "email" only in records written before it,
 * never published.
 */
export type Amr = "pop" | "user" | "mfa" | "otp" | "fed" | "hwk" | "swk" | "email";

// ---------------------------------------------------------------- sessions and one-time ids

/** How a session was started: a passkey, an emailed link, or an upstream identity provider (federation). */
export type SignInMethod = "passkey" | "email" | "federation";

/** What a session records about how it started, whoever reads it. */
interface SessionFacts {
  sid: string;
  userAgent: string;
  country: string | null;
  amr: Amr[];
  method: SignInMethod;
  /** The passkey the session was started with (null for an email link): removing it can end the session. */
  credentialId: string | null;
  /** Started by an emailed link opened in another browser than the one that asked for it (RFC 9700 §4.7). */
  crossDevice: boolean;
}

export interface SessionInput extends SessionFacts {
  /** Federation: the upstream identity it was started through (db/federated-identities.ts identityKey); unlinking ends it. */
  identity?: string | null;
  /** SHA-256 (base64url) of the session secret held in the cookie. */
  secretHash: string;
  idleTtlMs: number;
  absoluteTtlMs: number;
}

export interface SessionInfo extends SessionFacts {
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  authTime: number;
}

export interface OneTimeId {
  /** Namespaced id, e.g. "challenge:<id>" or "link:<hash>". */
  id: string;
  expiresAt: number;
}

export type SignInResult = { ok: true; session: SessionInfo } | { ok: false; reason: "replayed" | "disabled" };

// ---------------------------------------------------------------- authorization codes and grants

export interface UserClaims {
  email: string;
  email_verified: boolean;
  name: string | null;
}

/** What an authorization code stands for (checked at redemption by src/oidc/code-grant.ts). */
export interface CodeGrant {
  userId: string;
  clientId: string;
  redirectUri: string;
  /** Whether redirect_uri was in the authorization request (RFC 6749 §4.1.3 then requires it at /token). */
  redirectUriSent: boolean;
  scope: string;
  nonce: string | null;
  /** RFC 7636 S256 code_challenge, or null when the (confidential) client sent none. */
  codeChallenge: string | null;
  sid: string;
  authTime: number;
  amr: Amr[];
  /** Identity claims captured at authorization (OIDC Core §5.1), released by scope. */
  claims: UserClaims;
  /** RFC 8707: the resource identifier the request was authorized for (null or absent: none, the issuer). */
  resource?: string | null;
}

/** RFC 8707 §2.2 at the token endpoint: what a grant's resource is checked against before anything is spent. */
export interface ResourceTarget {
  /** The `resource` sent to /token, or null when absent (then the authorized one is used). */
  requested: string | null;
  /** The audience when no resource was authorized. */
  issuer: string;
  /** Identifiers of the resources the client may still get tokens for (registered, with a grant). */
  served: string[];
}

export interface CodeRedemptionRequest {
  clientId: string;
  /** redirect_uri sent to the token endpoint, or null when absent. */
  redirectUri: string | null;
  /** base64url(SHA-256(code_verifier)) computed by the token endpoint, or null when no verifier was sent. */
  verifierChallenge: string | null;
  /** Absent: no resource check (callers before resource indicators). */
  target?: ResourceTarget;
}

export interface FamilyIssue {
  familyId: string;
  /** SHA-256 of the first refresh token, or null when no refresh token is issued. */
  refreshHash: string | null;
  refreshExpiresAt: number;
  grantExpiresAt: number;
}

export type RedeemCodeResult =
  | { ok: true; grant: CodeGrant }
  | { ok: false; reason: "invalid" | "expired" | "replayed" | "mismatch" | "target" | "disabled"; detail?: string };

interface RefreshGrant {
  familyId: string;
  clientId: string;
  scope: string;
  /** RFC 8707: the resource the family was authorized for (null: none). */
  resource: string | null;
  sid: string | null;
  authTime: number;
  amr: Amr[];
  claims: UserClaims;
}

export type RotateRefreshResult =
  | { ok: true; grant: RefreshGrant }
  | {
      ok: false;
      reason:
        | "invalid"
        | "expired"
        | "reused"
        | "revoked"
        | "client_mismatch"
        | "scope_exceeded"
        | "target"
        | "disabled";
    };

/** RFC 7662 §2.2: what introspection tells of a live refresh token (its family's grant). */
export interface RefreshTokenInfo {
  clientId: string;
  scope: string;
  resource: string | null;
  authTime: number;
  /** When this token was issued and when it expires (epoch ms). */
  issuedAt: number;
  expiresAt: number;
}

// ---------------------------------------------------------------- counters and the address's live link

export interface HitResult {
  allowed: boolean;
  /** Seconds until the next request would be allowed (only when refused). */
  retryAfterS: number;
}

export interface LinkRequest {
  linkHash: string;
  browserHash: string;
  /** Where the asking browser goes after signing in (kept for it when its request is coalesced). */
  returnTo: string;
  expiresAt: number;
}

/** issue: the first link while none is live; resend: a fresh one for the bound browser; coalesce: mail nothing. */
export type LinkDecision = "issue" | "resend" | "coalesce";
