/** Passkey sign-in (WebAuthn L3 §7.2): usernameless, email-hinted and conditional UI share one ceremony. */
// Types only: the library (and the ASN.1/X.509 code it pulls in) is imported where a ceremony needs it, so a
// cold isolate that serves tokens, JWKS or pages never evaluates it (see docs/performance.md).
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { type AuditSink, recordEvents } from "../audit/record";
import type { Config, Env } from "../config";
import { findCredential, listCredentialsByEmail, recordAssertion } from "../db/credentials";
import { ApiError } from "../errors";
import { MAX_CREDENTIAL_ID_CHARS } from "../lib/credential-id";
import { fromBase64url } from "../lib/crypto";
import { asObject, requiredObject, requiredString } from "../lib/validate";
import { passkeyAmr } from "../sessions/assurance";
import type { VerifiedSignIn } from "../signin/start-session";
import { CHALLENGE_TTL_S, challengeOneTimeId, issueChallenge, loadChallenge } from "./challenge-store";
import { readClientData } from "./client-data";
import { decoyCredentials } from "./decoy-credentials";
import { ecdsaComponentBytes, isDerEcdsaSignature } from "./ecdsa-signature";
import { signInRefused } from "./refusal";
import { checkSignCounter } from "./sign-counter";

/**
 * A P-256 public key (COSE, RFC 9053 §7.1.1) whose private key was discarded when it was made: what an assertion
 * is verified against when its credential cannot be the one, so that path does a signature check too.
 */
/** DER SEQUENCE { INTEGER r, INTEGER s } with r and s in range, signed by nobody: it never verifies (base64url). */
const NOT_A_SIGNATURE =
  "MEQCIBERERERERERERERERERERERERERERERERERERERERERAiAiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIg";
const DECOY_PUBLIC_KEY =
  "pQECAyYgASFYINIeL9RE6H9g9GLVKfvIO0CEIzAoPT94F7Ium82apS6YIlgg8aIVguR4PqXgdu7TewOKZNw0TaQ_TrJRwBxA5dKJooM";

/**
 * Options for `navigator.credentials.get`. With an email, allowCredentials lists that user's passkeys; for an
 * address without any it lists stable decoys shaped like real ones, so the answer does not reveal whether the
 * account exists (WebAuthn L3 §14.6.2).
 */
export async function startAuthentication(
  env: Env,
  config: Config,
  email: string | null,
  browserId: string,
  now: number,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  let userId: string | null = null;
  let allow: { id: string; transports?: string[] }[] = [];
  if (email) {
    const creds = await listCredentialsByEmail(env.DB, email);
    if (creds.length > 0) {
      userId = creds[0]!.userId;
      allow = creds.map((c) => ({ id: c.id, transports: JSON.parse(c.transports) as string[] }));
    } else {
      allow = await decoyCredentials(config.keyEncryptionSecret, email);
    }
  }
  const { challenge } = await issueChallenge(env, { browserId, purpose: "authenticate", userId }, now);
  const { generateAuthenticationOptions } = await import("@simplewebauthn/server");
  return generateAuthenticationOptions({
    rpID: config.rpId,
    allowCredentials: allow,
    challenge: fromBase64url(challenge),
    timeout: CHALLENGE_TTL_S * 1000,
    // WebAuthn L3 §5.8.6 / §7.2 step 17: UV is required unless PASSKEY_USER_VERIFICATION=preferred.
    userVerification: config.passkeyUserVerification,
  });
}

/** A verified assertion, as the sign-in seam takes it (src/signin/start-session.ts), plus what recordSignIn stores. */
export interface PasskeySignIn extends VerifiedSignIn {
  method: "passkey";
  credentialId: string;
  /** The challenge's one-time id: the caller consumes it atomically with session creation. */
  consume: { id: string; expiresAt: number };
  assertion: { counter: number; backupEligible: boolean; backupState: boolean };
}

export async function verifyAuthentication(
  sink: AuditSink,
  config: Config,
  browserId: string,
  body: unknown,
  now: number,
): Promise<PasskeySignIn> {
  const { env } = sink;
  const input = asObject(body);
  const raw = requiredObject(input, "response");
  const response = raw as unknown as AuthenticationResponseJSON;
  const credentialId = requiredString(raw, "id", MAX_CREDENTIAL_ID_CHARS);
  const inner = requiredObject(raw, "response");
  const { challenge } = readClientData(inner.clientDataJSON);
  const record = await loadChallenge(env, challenge, browserId, "authenticate", now);

  const userHandle = typeof inner.userHandle === "string" && inner.userHandle.length > 0 ? inner.userHandle : null;

  // WebAuthn L3 §14.6.2: until the signature is verified, every failure is one answer after the same work (the D1
  // lookup, then a signature verification: against a decoy key when the credential cannot be the one), so an
  // allowCredentials id echoed back with garbage tells a real account from a decoy no more than a real assertion would.
  const credential = await findCredential(env.DB, credentialId);
  const problem =
    // WebAuthn L3 §7.2 step 5: the credential must be one registered here (and in allowCredentials when it was sent).
    credential === null
      ? "unknown credential"
      : record.userId !== null && credential.userId !== record.userId
        ? "credential of another account than the hinted one"
        : // WebAuthn L3 §7.2 step 6: userHandle, when present, must map to the credential's owner; it is required when
          // no user was identified before the ceremony (usernameless / conditional UI).
          record.userId === null && userHandle === null
          ? "no userHandle in a usernameless ceremony"
          : userHandle !== null && !userHandleMatches(userHandle, credential.userId)
            ? "userHandle names another user"
            : null;
  const usable = problem === null ? credential : null;

  const [{ verifyAuthenticationResponse }, { decodeCredentialPublicKey, cose }] = await Promise.all([
    import("@simplewebauthn/server"),
    import("@simplewebauthn/server/helpers"),
  ]);
  const publicKey = fromBase64url(usable?.publicKey ?? DECOY_PUBLIC_KEY);
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  let signatureIsDer = false;
  try {
    // WebAuthn L3 §6.5.5: an ECDSA signature counts only in its one DER encoding; the library's parser takes others.
    const key = decodeCredentialPublicKey(publicKey);
    const componentBytes = cose.isCOSEPublicKeyEC2(key) ? ecdsaComponentBytes(key.get(cose.COSEKEYS.crv)) : null;
    signatureIsDer = componentBytes === null || isDerEcdsaSignature(signatureBytes(inner.signature), componentBytes);
    // WebAuthn L3 §7.2 steps 11-21: type, challenge, origin, RP ID hash, UP, UV (step 17: required unless
    // PASSKEY_USER_VERIFICATION=preferred), signature. The stored counter is checked below (step 22) so the
    // outcome is a typed clone signal, not a string.
    // A signature that is not DER is still put through a whole verification (of a fixed DER signature that cannot
    // verify), so refusing it costs what refusing any other forgery costs (WebAuthn L3 §14.6.2: equal work).
    verification = await verifyAuthenticationResponse({
      response: signatureIsDer
        ? response
        : { ...response, response: { ...response.response, signature: NOT_A_SIGNATURE } },
      expectedChallenge: challenge,
      expectedOrigin: config.allowedOrigins,
      expectedRPID: config.rpId,
      credential: {
        id: usable?.id ?? credentialId,
        publicKey,
        counter: 0,
        transports: (usable ? JSON.parse(usable.transports) : []) as never,
      },
      requireUserVerification: config.passkeyUserVerification === "required",
    });
  } catch (err) {
    throw signInRefused(problem ?? "the assertion did not verify", err);
  }
  if (!signatureIsDer) throw signInRefused(problem ?? "its signature is not DER-encoded");
  if (usable === null || !verification.verified) throw signInRefused(problem ?? "the signature did not verify");
  const info = verification.authenticationInfo;

  // WebAuthn L3 §7.2 step 19 (BE against the credential record). Backup eligibility is meant to be fixed when a
  // credential is created (§6.1.3). A credential that now claims to be device-bound would claim more than it was
  // registered with: refused and audited. The other way (step 19's "apply Relying Party policy") is taken and
  // recorded: Apple's iCloud Keychain reports BE = 0 at registration before the keychain syncs and BE = 1
  // afterwards, and a synced credential claims less, not more. (BE is unattested: it never feeds amr.)
  // (BS without BE, step 18, is refused by the library.)
  const backupEligible = info.credentialDeviceType === "multiDevice";
  const backupState = info.credentialBackedUp;
  const accepted = backupEligible || !usable.backupEligible;
  if (backupEligible !== usable.backupEligible || backupState !== usable.backupState) {
    // Recorded before the refusal below, so a refused credential is audited too.
    recordEvents(
      sink,
      {
        type: "passkey.backup_state_changed",
        outcome: accepted ? "success" : "failure",
        userId: usable.userId,
        detail: {
          credential_id: usable.id,
          backup_eligible: { stored: usable.backupEligible, received: backupEligible },
          backup_state: { stored: usable.backupState, received: backupState },
          accepted,
        },
      },
      now,
    );
  }
  if (!accepted)
    throw new ApiError(
      "verification_failed",
      "This passkey no longer matches the one that was registered, so we did not accept it. Sign in with an " +
        "email link and review your " +
        "passkeys.",
    );

  // WebAuthn L3 §7.2 step 22: a signature counter that did not grow signals a cloned authenticator.
  if (!checkSignCounter(usable.counter, info.newCounter))
    refuseCounter(sink, usable.userId, usable.id, usable.counter, info.newCounter, now);

  return {
    userId: usable.userId,
    method: "passkey",
    credentialId: usable.id,
    // RFC 8176 §2 (sessions/assurance.ts): without UV (PASSKEY_USER_VERIFICATION=preferred) a lower acr.
    amr: passkeyAmr(info.userVerified),
    consume: challengeOneTimeId(challenge, record.expiresAt),
    assertion: { counter: info.newCounter, backupEligible, backupState: info.credentialBackedUp },
  };
}

/** The assertion's signature bytes; anything that is not base64url reads as no bytes (never DER). */
function signatureBytes(value: unknown): Uint8Array {
  if (typeof value !== "string") return new Uint8Array();
  try {
    return fromBase64url(value);
  } catch {
    return new Uint8Array();
  }
}

function userHandleMatches(userHandle: string, userId: string): boolean {
  try {
    return new TextDecoder().decode(fromBase64url(userHandle)) === userId;
  } catch {
    return false;
  }
}

/** WebAuthn L3 §7.2 step 22: recorded (and published as security.counter_regression), then refused. */
function refuseCounter(
  sink: AuditSink,
  userId: string,
  credentialId: string,
  stored: number,
  received: number,
  now: number,
): never {
  const detail = { credential_id: credentialId, stored, received };
  recordEvents(sink, { type: "passkey.counter_regression", userId, actor: "anonymous", detail }, now);
  throw new ApiError(
    "counter_regression",
    "This passkey looks copied, so we did not accept it. Sign in with an email link and review your passkeys.",
  );
}

/**
 * Stores the assertion's counter and backup flags (WebAuthn L3 §7.2 steps 19-22; backup eligibility only ever grows).
 * The write itself
 * re-checks the counter rule (step 22), so of two assertions racing with one counter value only one gets through.
 */
export async function recordSignIn(sink: AuditSink, signIn: PasskeySignIn, now: number): Promise<void> {
  const { env } = sink;
  if (await recordAssertion(env.DB, signIn.credentialId, { ...signIn.assertion, lastUsedAt: now })) return;
  // Nothing written: the credential was deleted meanwhile, or another assertion moved its counter past this one.
  const current = await findCredential(env.DB, signIn.credentialId);
  if (!current)
    throw new ApiError(
      "credential_unknown",
      "This passkey is not registered here. Sign in with an email link instead.",
    );
  refuseCounter(sink, signIn.userId, signIn.credentialId, current.counter, signIn.assertion.counter, now);
}
