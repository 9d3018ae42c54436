/** Proves SoftAuthenticator's responses pass, and its tampered responses fail, @simplewebauthn/server verification. */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { isoBase64URL, isoUint8Array } from "@simplewebauthn/server/helpers";
import { describe, expect, it } from "vitest";
import { SoftAuthenticator } from "./soft-authenticator";

const RP_ID = "localhost";
const ORIGIN = "http://localhost:8787";
const USER_ID = isoUint8Array.fromUTF8String("user-123");

async function registerOnce(auth: SoftAuthenticator) {
  const options = await generateRegistrationOptions({
    rpName: "Latchkey",
    rpID: RP_ID,
    userName: "alice@example.com",
    userID: USER_ID,
    attestationType: "none",
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  const response = await auth.register(options, ORIGIN);
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  return { options, response, verification };
}

async function registeredCredential(auth: SoftAuthenticator): Promise<WebAuthnCredential> {
  const { verification } = await registerOnce(auth);
  if (!verification.verified) throw new Error("registration did not verify");
  return verification.registrationInfo.credential;
}

describe("SoftAuthenticator registration", () => {
  it("produces a registration that verifies, with the flags it was built with", async () => {
    const auth = await SoftAuthenticator.create({
      aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503",
      backupEligible: true,
      backupState: true,
    });
    const { options, response, verification } = await registerOnce(auth);
    expect(verification.verified).toBe(true);
    const info = verification.registrationInfo!;
    expect(info.fmt).toBe("none");
    expect(info.aaguid).toBe("adce0002-35bc-c60a-648b-0b25f1f05503");
    expect(info.credentialDeviceType).toBe("multiDevice");
    expect(info.credentialBackedUp).toBe(true);
    expect(info.userVerified).toBe(true);
    expect(info.credential.id).toBe(auth.credentialId);
    expect(info.credential.counter).toBe(0);
    expect(info.origin).toBe(ORIGIN);
    expect(info.rpID).toBe(RP_ID);
    expect(response.response.transports).toEqual(["internal", "hybrid"]);
    expect(response.clientExtensionResults).toEqual({ credProps: { rk: true } });
    expect(options.user.id).toBe(isoBase64URL.fromBuffer(USER_ID));
  });

  it("defaults to a single-device, not-backed-up credential with the all-zero AAGUID", async () => {
    const { verification } = await registerOnce(await SoftAuthenticator.create());
    expect(verification.registrationInfo?.credentialDeviceType).toBe("singleDevice");
    expect(verification.registrationInfo?.credentialBackedUp).toBe(false);
    expect(verification.registrationInfo?.aaguid).toBe("00000000-0000-0000-0000-000000000000");
  });

  it("phishing: a registration made on another origin is rejected", async () => {
    const auth = await SoftAuthenticator.create();
    const options = await generateRegistrationOptions({
      rpName: "Latchkey",
      rpID: RP_ID,
      userName: "a",
      userID: USER_ID,
    });
    const response = await auth.register(options, "https://evil.example");
    await expect(
      verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      }),
    ).rejects.toThrow(/origin/i);
  });

  it("replay: a registration answering another challenge is rejected", async () => {
    const auth = await SoftAuthenticator.create();
    const options = await generateRegistrationOptions({
      rpName: "Latchkey",
      rpID: RP_ID,
      userName: "a",
      userID: USER_ID,
    });
    const response = await auth.register(options, ORIGIN, { challenge: isoBase64URL.fromUTF8String("stale") });
    await expect(
      verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      }),
    ).rejects.toThrow(/challenge/i);
  });

  it("re-registration: refuses when excludeCredentials lists a credential it holds", async () => {
    const auth = await SoftAuthenticator.create();
    const cred = await registeredCredential(auth);
    const options = await generateRegistrationOptions({
      rpName: "Latchkey",
      rpID: RP_ID,
      userName: "a",
      userID: USER_ID,
      excludeCredentials: [{ id: cred.id }],
    });
    await expect(auth.register(options, ORIGIN)).rejects.toThrow(/excluded/);
  });
});

describe("SoftAuthenticator authentication", () => {
  it("produces a discoverable assertion that verifies, with counter 1 and the user's handle", async () => {
    const auth = await SoftAuthenticator.create({ backupEligible: true, backupState: true });
    const credential = await registeredCredential(auth);
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [],
      userVerification: "required",
    });
    const response = await auth.authenticate(options, ORIGIN);
    expect(response.id).toBe(credential.id);
    expect(response.response.userHandle).toBe(isoBase64URL.fromBuffer(USER_ID));
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
    });
    expect(result.verified).toBe(true);
    expect(result.authenticationInfo.newCounter).toBe(1);
    expect(result.authenticationInfo.credentialBackedUp).toBe(true);
    expect(auth.counter).toBe(1);
  });

  it("picks the listed credential when allowCredentials is given, and refuses when none is listed", async () => {
    const auth = await SoftAuthenticator.create();
    const first = await registeredCredential(auth);
    await registeredCredential(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: first.id }] });
    const response = await auth.authenticate(options, ORIGIN);
    expect(response.id).toBe(first.id);
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: first,
    });
    expect(result.verified).toBe(true);

    const unknown = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: "AAAAAAAAAAAAAAAAAAAAAA" }],
    });
    await expect(auth.authenticate(unknown, ORIGIN)).rejects.toThrow(/no credential/);
  });

  it("phishing: an assertion made on another origin is rejected", async () => {
    const auth = await SoftAuthenticator.create();
    const credential = await registeredCredential(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = await auth.authenticate(options, "https://evil.example");
    await expect(
      verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      }),
    ).rejects.toThrow(/origin/i);
  });

  it("replay: an assertion answering another challenge is rejected", async () => {
    const auth = await SoftAuthenticator.create();
    const credential = await registeredCredential(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = await auth.authenticate(options, ORIGIN, { challenge: isoBase64URL.fromUTF8String("stale") });
    await expect(
      verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      }),
    ).rejects.toThrow(/challenge/i);
  });

  it("wrong RP: an assertion scoped to another rpId is rejected", async () => {
    const auth = await SoftAuthenticator.create();
    const credential = await registeredCredential(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = await auth.authenticate(options, ORIGIN, { rpId: "evil.example" });
    await expect(
      verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      }),
    ).rejects.toThrow(/RP ID/i);
  });

  it("cloned authenticator: a signature counter that goes backwards is rejected", async () => {
    const auth = await SoftAuthenticator.create();
    const credential = await registeredCredential(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = await auth.authenticate(options, ORIGIN, { counter: 3 });
    await expect(
      verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential: { ...credential, counter: 5 },
      }),
    ).rejects.toThrow(/counter/i);
    expect(auth.counter).toBe(0);
  });

  it("forged signature: an assertion signed by another authenticator's key is rejected", async () => {
    const victim = await SoftAuthenticator.create();
    const credential = await registeredCredential(victim);
    const attacker = await SoftAuthenticator.create();
    await registeredCredential(attacker);
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = await attacker.authenticate(options, ORIGIN, { credentialId: credential.id });
    expect(response.id).toBe(credential.id);
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
    });
    expect(result.verified).toBe(false);
  });

  it("omits userHandle when told to (non-discoverable credential)", async () => {
    const auth = await SoftAuthenticator.create();
    await registeredCredential(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = await auth.authenticate(options, ORIGIN, { userHandle: null });
    expect("userHandle" in response.response).toBe(false);
  });
});
