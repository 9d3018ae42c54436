/** Passkey registration (WebAuthn L3 §7.1) for a signed-in user, over @simplewebauthn/server. */
// Types only: the library is imported on demand, inside the ceremony (see docs/performance.md).
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Config, Env } from "../config";
import { insertCredential, listCredentials } from "../db/credentials";
import { ApiError } from "../errors";
import { MAX_CREDENTIAL_ID_BYTES } from "../lib/credential-id";
import { base64url, fromBase64url } from "../lib/crypto";
import { asObject, optionalString, requiredObject } from "../lib/validate";
import { userObject } from "../user/user-object";
import { authenticatorName } from "./aaguid-names";
import { CHALLENGE_TTL_S, challengeOneTimeId, issueChallenge, loadChallenge } from "./challenge-store";
import { readClientData } from "./client-data";
import { registrationRefused } from "./refusal";

export interface RegistrationUser {
  id: string;
  email: string;
}

export async function startRegistration(
  env: Env,
  config: Config,
  user: RegistrationUser,
  browserId: string,
  now: number,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await listCredentials(env.DB, user.id);
  const { challenge } = await issueChallenge(env, { browserId, purpose: "register", userId: user.id }, now);
  const { generateRegistrationOptions } = await import("@simplewebauthn/server");
  return generateRegistrationOptions({
    rpName: config.rpName,
    rpID: config.rpId,
    userName: user.email,
    userDisplayName: user.email,
    // The user handle is the user id's bytes: opaque, no PII (WebAuthn L3 §14.6.1).
    userID: new Uint8Array(new TextEncoder().encode(user.id)),
    // Bytes, not the string: a string would be UTF-8 encoded and then base64url'd again by the library.
    challenge: fromBase64url(challenge),
    timeout: CHALLENGE_TTL_S * 1000,
    attestationType: "none",
    // WebAuthn L3 §5.4.3: never register a second credential on an authenticator that already has one for this user.
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: JSON.parse(c.transports) as string[] })),
    // WebAuthn L3 §5.8.6 / §7.1 step 15: UV is required unless PASSKEY_USER_VERIFICATION=preferred.
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: config.passkeyUserVerification,
    },
    extensions: { credProps: true },
  });
}

export interface RegisteredPasskey {
  id: string;
  name: string;
  aaguid: string;
  backupEligible: boolean;
}

export async function finishRegistration(
  env: Env,
  config: Config,
  user: RegistrationUser,
  browserId: string,
  body: unknown,
  now: number,
): Promise<RegisteredPasskey> {
  const input = asObject(body);
  const response = requiredObject(input, "response") as unknown as RegistrationResponseJSON;
  const nickname = optionalString(input, "name", 64)?.trim();
  const inner = requiredObject(input.response as Record<string, unknown>, "response");
  const { challenge } = readClientData(inner.clientDataJSON);
  const record = await loadChallenge(env, challenge, browserId, "register", now);
  if (record.userId !== user.id) throw new ApiError("challenge_invalid", "This request belongs to another account.");

  const { verifyRegistrationResponse } = await import("@simplewebauthn/server");
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    // WebAuthn L3 §7.1 steps 7-12 (type, challenge, origin, RP ID hash), 14-15 (UP; UV unless
    // PASSKEY_USER_VERIFICATION=preferred), 17 (alg), 19-21 (attestation "none").
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: config.allowedOrigins,
      expectedRPID: config.rpId,
      requireUserVerification: config.passkeyUserVerification === "required",
    });
  } catch (err) {
    // The library's message (it names the allowed origins) is logged, never sent.
    throw registrationRefused("the attestation response did not verify", err);
  }
  if (!verification.verified) throw registrationRefused("the attestation response did not verify");
  const info = verification.registrationInfo;
  // WebAuthn L3 §7.1 step 25: a longer credential id fails the ceremony (checked before the challenge is spent;
  // ids go back out in every allowCredentials and excludeCredentials list).
  if (fromBase64url(info.credential.id).length > MAX_CREDENTIAL_ID_BYTES)
    throw new ApiError("verification_failed", "This passkey's id is too long to be registered.");

  // Single use: the challenge is consumed in the user's Durable Object, not trusted to KV.
  const fresh = await userObject(env, user.id).consumeOnce(challengeOneTimeId(challenge, record.expiresAt));
  if (!fresh) throw new ApiError("challenge_replayed", "This passkey request was already used. Try again.");

  const id = info.credential.id;
  const name = nickname || authenticatorName(info.aaguid);
  const backupEligible = info.credentialDeviceType === "multiDevice";
  // WebAuthn L3 §7.1 step 26: a credential id registered before is refused.
  const inserted = await insertCredential(env.DB, {
    id,
    userId: user.id,
    publicKey: base64url(info.credential.publicKey),
    counter: info.credential.counter,
    transports: JSON.stringify(transportsOf(response.response.transports)),
    aaguid: info.aaguid,
    // WebAuthn L3 §6.1 flags BE / BS.
    backupEligible,
    backupState: info.credentialBackedUp,
    name,
    createdAt: now,
    lastUsedAt: null,
  });
  if (!inserted) throw new ApiError("verification_failed", "This passkey is already registered.");
  return { id, name, aaguid: info.aaguid, backupEligible };
}

/**
 * The client-reported transports (WebAuthn L3 §5.2.1.2 getTransports()), kept only as a short list of short
 * lower-case tokens: they are unverified input, and stored values go back out in every allowCredentials and
 * excludeCredentials list, where a non-array would break navigator.credentials for this user.
 */
function transportsOf(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const tokens = raw.filter((t): t is string => typeof t === "string" && /^[a-z0-9-]{1,32}$/.test(t));
  return [...new Set(tokens)].slice(0, 8);
}
