import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { base64url, fromBase64url } from "../../src/lib/crypto";
import { SIGN_IN_REFUSED } from "../../src/passkeys/refusal";
import { addPasskey, passkeySignIn, signUp, userWithPasskey } from "../helpers/accounts";
import { waitForEvents } from "../helpers/audit";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import { type Frame, SoftAuthenticator } from "../helpers/soft-authenticator";

async function backupEligibilityEvent(credentialId: string): Promise<unknown> {
  const filter = { type: "passkey.backup_state_changed", detailContains: credentialId };
  const [row] = await waitForEvents(filter, ["passkey.backup_state_changed"]);
  return row!.detail;
}

/** How browsers report a ceremony inside a frame: Chrome sends topOrigin, Safari only crossOrigin (WebAuthn L3 §5.8.1). */
const FRAMES: Frame[] = [
  { crossOrigin: true, topOrigin: "https://evil.example" },
  { crossOrigin: true },
  { crossOrigin: false, topOrigin: "https://evil.example" },
];

describe("passkey registration", () => {
  it("stores the credential with AAGUID name, transports, backup flags and excludes existing passkeys", async () => {
    const { browser } = await signUp();
    const auth = await SoftAuthenticator.create({
      aaguid: "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
      backupEligible: true,
      backupState: true,
    });
    await addPasskey(browser, auth);
    const row = await env.DB.prepare("SELECT * FROM credentials WHERE id = ?")
      .bind(auth.credentialId)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({
      name: "Google Password Manager",
      aaguid: "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
      backup_eligible: 1,
      backup_state: 1,
    });
    expect(JSON.parse(String(row!.transports))).toEqual(["internal", "hybrid"]);
    const options = (await (await browser.postJson("/auth/passkey/register/options", {})).json()) as {
      excludeCredentials: { id: string }[];
      authenticatorSelection: Record<string, unknown>;
      attestation: string;
    };
    expect(options.excludeCredentials.map((c) => c.id)).toEqual([auth.credentialId]);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(options.attestation).toBe("none");
    // A second passkey on another authenticator is fine.
    await addPasskey(browser);
    const n = await env.DB.prepare(
      "SELECT count(*) AS n FROM credentials WHERE user_id = (SELECT user_id FROM credentials WHERE id = ?)",
    )
      .bind(auth.credentialId)
      .first<{ n: number }>();
    expect(n!.n).toBe(2);
  });

  it("refuses registration without a session", async () => {
    const browser = new TestBrowser();
    const res = await browser.postJson("/auth/passkey/register/options", {});
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "unauthenticated" });
  });

  it("rejects a replayed registration challenge and keeps one credential", async () => {
    const { browser } = await signUp();
    const auth = await SoftAuthenticator.create();
    const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
    const response = await auth.register(options as never, ORIGIN);
    expect((await browser.postJson("/auth/passkey/register/verify", { response })).status).toBe(201);
    const replay = await browser.postJson("/auth/passkey/register/verify", { response });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "challenge_replayed" });
  });

  it("a passkey created inside another site's frame is refused before its challenge is spent (WebAuthn L3 §7.1, crossOrigin / topOrigin)", async () => {
    const { browser, email } = await signUp();
    const auth = await SoftAuthenticator.create();
    const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
    for (const frame of FRAMES) {
      const res = await browser.postJson("/auth/passkey/register/verify", {
        response: await auth.register(options as never, ORIGIN, { frame }),
      });
      expect(res.status, JSON.stringify(frame)).toBe(400);
      expect(await res.json()).toMatchObject({
        error: "verification_failed",
        message: expect.stringContaining("frame"),
      });
    }
    const stored = await env.DB.prepare(
      "SELECT count(*) AS n FROM credentials WHERE user_id = (SELECT id FROM users WHERE email = ?)",
    )
      .bind(email)
      .first<{ n: number }>();
    expect(stored!.n).toBe(0);
    expect(
      (
        await browser.postJson("/auth/passkey/register/verify", {
          response: await auth.register(options as never, ORIGIN),
        })
      ).status,
    ).toBe(201);
  });

  it("credential ids up to 1023 bytes register and sign in; a longer one is refused before its challenge is spent (WebAuthn L3 §7.1 step 25)", async () => {
    const { browser } = await signUp();
    const long = await SoftAuthenticator.create();
    const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
    const refused = await browser.postJson("/auth/passkey/register/verify", {
      response: await long.register(options as never, ORIGIN, { credentialIdBytes: 1024 }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: "verification_failed",
      message: expect.stringContaining("too long"),
    });
    expect(
      (
        await browser.postJson("/auth/passkey/register/verify", {
          response: await long.register(options as never, ORIGIN, { credentialIdBytes: 1023 }),
        })
      ).status,
    ).toBe(201);
    expect(long.credentialId).toHaveLength(1364);
    const res = await passkeySignIn(new TestBrowser(), long);
    expect(res.status).toBe(200);
    // The account page can rename and delete it too.
    const csrf = await browser.csrf();
    expect(
      (
        await browser.fetch("/account/passkeys/rename", {
          method: "POST",
          form: { csrf, id: long.credentialId!, name: "Long id" },
        })
      ).status,
    ).toBe(303);
    expect(
      (
        await browser.fetch("/account/passkeys/delete", {
          method: "POST",
          form: { csrf, id: long.credentialId!, confirm: "yes" },
        })
      ).status,
    ).toBe(303);
    expect(await env.DB.prepare("SELECT id FROM credentials WHERE id = ?").bind(long.credentialId).first()).toBeNull();
  });
});

describe("passkey sign-in", () => {
  it("signs in usernameless and refreshes counter, backup flags and last use", async () => {
    const { auth } = await userWithPasskey();
    const row = await env.DB.prepare("SELECT counter, last_used_at, backup_state FROM credentials WHERE id = ?")
      .bind(auth.credentialId)
      .first<Record<string, number>>();
    expect(row!.counter).toBe(1);
    expect(row!.last_used_at).toBeGreaterThan(0);
    expect(row!.backup_state).toBe(1);
  });

  it("email-hinted options list the user's passkeys; an unknown address gets a decoy, not an empty list", async () => {
    const { email, auth } = await userWithPasskey();
    const browser = new TestBrowser();
    const known = (await (await browser.postJson("/auth/passkey/options", { email })).json()) as {
      allowCredentials: { id: string }[];
    };
    expect(known.allowCredentials.map((c) => c.id)).toEqual([auth.credentialId]);
    const unknown = (await (
      await browser.postJson("/auth/passkey/options", { email: "nobody-here@example.test" })
    ).json()) as { allowCredentials: { id: string }[] };
    expect(unknown.allowCredentials).toHaveLength(1);
    expect(unknown.allowCredentials[0]!.id).not.toBe(auth.credentialId);
    const again = (await (
      await browser.postJson("/auth/passkey/options", { email: "nobody-here@example.test" })
    ).json()) as { allowCredentials: { id: string }[] };
    expect(again.allowCredentials).toEqual(unknown.allowCredentials);
  });

  it("decoys look like real descriptors: an account without passkeys and an unknown address answer alike", async () => {
    const { email } = await signUp();
    const browser = new TestBrowser();
    type Options = { allowCredentials: { id: string; type: string; transports: string[] }[] };
    const lists = [];
    for (const address of [email, "nobody-1@example.test", "nobody-2@example.test", "nobody-3@example.test"]) {
      lists.push(
        ((await (await browser.postJson("/auth/passkey/options", { email: address })).json()) as Options)
          .allowCredentials,
      );
    }
    for (const list of lists) {
      expect(list.length).toBeGreaterThanOrEqual(1);
      expect(list.length).toBeLessThanOrEqual(2);
      for (const d of list) {
        // 16, 20, 32 or 64 random bytes, base64url: the id lengths real authenticators use.
        expect([22, 27, 43, 86]).toContain(d.id.length);
        expect(d.type).toBe("public-key");
        expect(d.transports).toEqual([...d.transports].sort());
      }
    }
  });

  it("replayed assertion: the challenge is consumed in the user's Durable Object even while KV still holds it", async () => {
    const { browser: b0 } = await signUp();
    // A synced passkey that does not count signatures (counter stays 0), so only the challenge guards a replay.
    const auth = await addPasskey(b0, await SoftAuthenticator.create({ backupEligible: true, backupState: true }));
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const response = await auth.authenticate(options as never, ORIGIN, { counter: 0 });
    expect((await browser.postJson("/auth/passkey/verify", { response })).status).toBe(200);
    const replay = await browser.postJson("/auth/passkey/verify", { response });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "challenge_replayed" });
  });

  it("phishing: an assertion made for another origin is rejected", async () => {
    const { auth } = await userWithPasskey();
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const response = await auth.authenticate(options as never, "https://evil.example");
    const res = await browser.postJson("/auth/passkey/verify", { response });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "verification_failed" });
    expect(browser.sessionCookie).toBeUndefined();
  });

  it("cloned authenticator: a counter that goes back is rejected and recorded as an audit event", async () => {
    const { auth } = await userWithPasskey();
    const browser = new TestBrowser();
    let options = await (await browser.postJson("/auth/passkey/options", {})).json();
    expect(
      (
        await browser.postJson("/auth/passkey/verify", {
          response: await auth.authenticate(options as never, ORIGIN, { counter: 10 }),
        })
      ).status,
    ).toBe(200);
    const clone = new TestBrowser();
    options = await (await clone.postJson("/auth/passkey/options", {})).json();
    const res = await clone.postJson("/auth/passkey/verify", {
      response: await auth.authenticate(options as never, ORIGIN, { counter: 5 }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "counter_regression" });
    expect(clone.sessionCookie).toBeUndefined();
    const filter = { type: "passkey.counter_regression", detailContains: auth.credentialId! };
    const [event] = await waitForEvents(filter, ["passkey.counter_regression"]);
    expect(event!.detail).toMatchObject({ credential_id: auth.credentialId, stored: 10, received: 5 });
  });

  it("a passkey cannot turn device-bound after registration (BE 1 → 0): refused, audited, nothing written, challenge not spent (WebAuthn L3 §7.2 step 19)", async () => {
    const { browser: owner } = await signUp();
    const auth = await addPasskey(owner, await SoftAuthenticator.create({ backupEligible: true, backupState: true }));
    const before = await env.DB.prepare(
      "SELECT counter, backup_eligible, backup_state, last_used_at FROM credentials WHERE id = ?",
    )
      .bind(auth.credentialId)
      .first();
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const res = await browser.postJson("/auth/passkey/verify", {
      response: await auth.authenticate(options as never, ORIGIN, { backup: { eligible: false, state: false } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: "verification_failed",
      message: expect.stringContaining("no longer matches"),
    });
    expect(browser.sessionCookie).toBeUndefined();
    expect(
      await env.DB.prepare("SELECT counter, backup_eligible, backup_state, last_used_at FROM credentials WHERE id = ?")
        .bind(auth.credentialId)
        .first(),
    ).toEqual(before);
    expect(await backupEligibilityEvent(auth.credentialId!)).toMatchObject({
      backup_eligible: { stored: true, received: false },
      accepted: false,
    });
    expect(
      (await browser.postJson("/auth/passkey/verify", { response: await auth.authenticate(options as never, ORIGIN) }))
        .status,
    ).toBe(200);
  });

  it("a passkey that becomes synced after registration (BE 0 → 1, iCloud Keychain before its first sync) signs in as synced and is recorded so", async () => {
    const { browser: owner } = await signUp();
    const auth = await addPasskey(owner, await SoftAuthenticator.create({ backupEligible: false, backupState: false }));
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const res = await browser.postJson("/auth/passkey/verify", {
      response: await auth.authenticate(options as never, ORIGIN, { backup: { eligible: true, state: true } }),
    });
    expect(res.status).toBe(200);
    expect(
      await env.DB.prepare("SELECT backup_eligible, backup_state FROM credentials WHERE id = ?")
        .bind(auth.credentialId)
        .first(),
    ).toEqual({ backup_eligible: 1, backup_state: 1 });
    expect(await backupEligibilityEvent(auth.credentialId!)).toMatchObject({
      backup_eligible: { stored: false, received: true },
      accepted: true,
    });
    // From now on the record says synced: the authenticator's old BE = 0 is the change that is refused.
    const again = new TestBrowser();
    const next = await (await again.postJson("/auth/passkey/options", {})).json();
    expect(
      (await again.postJson("/auth/passkey/verify", { response: await auth.authenticate(next as never, ORIGIN) }))
        .status,
    ).toBe(400);
  });

  it("backup state may change (a synced passkey not yet backed up) and is recorded", async () => {
    const { browser: owner } = await signUp();
    const auth = await addPasskey(owner, await SoftAuthenticator.create({ backupEligible: true, backupState: true }));
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const res = await browser.postJson("/auth/passkey/verify", {
      response: await auth.authenticate(options as never, ORIGIN, { backup: { eligible: true, state: false } }),
    });
    expect(res.status).toBe(200);
    expect(
      await env.DB.prepare("SELECT backup_eligible, backup_state FROM credentials WHERE id = ?")
        .bind(auth.credentialId)
        .first(),
    ).toEqual({ backup_eligible: 1, backup_state: 0 });
  });

  it("a challenge issued to one browser cannot be used from another", async () => {
    const { auth } = await userWithPasskey();
    const victim = new TestBrowser();
    const options = await (await victim.postJson("/auth/passkey/options", {})).json();
    const response = await auth.authenticate(options as never, ORIGIN);
    const attacker = new TestBrowser();
    const res = await attacker.postJson("/auth/passkey/verify", { response });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "challenge_invalid" });
  });

  it("a userHandle that names another user is rejected", async () => {
    const { auth } = await userWithPasskey();
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const response = await auth.authenticate(options as never, ORIGIN, {
      userHandle: btoa("someone-else-entirely").replace(/=+$/, ""),
    });
    const res = await browser.postJson("/auth/passkey/verify", { response });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "verification_failed" });
  });

  it("a signature re-encoded in a BER form DER forbids is refused, and the untouched one still signs in (WebAuthn L3 §6.5.5)", async () => {
    const { auth } = await userWithPasskey();
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const response = (await auth.authenticate(options as never, ORIGIN)) as unknown as {
      response: { signature: string };
    };
    const sig = fromBase64url(response.response.signature);
    const content = sig.subarray(2);
    // Three BER forms of the same (r, s) that @simplewebauthn/server's parser verifies (checked without our rule).
    const reencoded = {
      // The shape of a CI fuzz counterexample: a SEQUENCE length shorter than its content.
      "short SEQUENCE length": new Uint8Array([0x30, content.length - 5, ...content]),
      "long-form SEQUENCE length": new Uint8Array([0x30, 0x81, content.length, ...content]),
      "indefinite SEQUENCE length": new Uint8Array([0x30, 0x80, ...content, 0, 0]),
    };
    for (const [what, bytes] of Object.entries(reencoded)) {
      const mutated = structuredClone(response);
      mutated.response.signature = base64url(bytes);
      const res = await browser.postJson("/auth/passkey/verify", { response: mutated });
      expect(res.status, what).toBe(400);
      // The one answer of every failure before a verified signature (WebAuthn L3 §14.6.2); the reason is only logged.
      expect(await res.json(), what).toEqual({ error: "verification_failed", message: SIGN_IN_REFUSED });
    }
    expect(browser.sessionCookie).toBeUndefined();
    // The refusals spent nothing: the challenge and the counter still take the assertion as it was signed.
    expect((await browser.postJson("/auth/passkey/verify", { response })).status).toBe(200);
  });

  it("an assertion made inside another site's frame is refused before its challenge is spent (WebAuthn L3 §7.2, crossOrigin / topOrigin)", async () => {
    const { auth } = await userWithPasskey();
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    for (const frame of FRAMES) {
      const res = await browser.postJson("/auth/passkey/verify", {
        response: await auth.authenticate(options as never, ORIGIN, { frame }),
      });
      expect(res.status, JSON.stringify(frame)).toBe(400);
      expect(await res.json()).toMatchObject({
        error: "verification_failed",
        message: expect.stringContaining("frame"),
      });
    }
    expect(browser.sessionCookie).toBeUndefined();
    expect(
      (await browser.postJson("/auth/passkey/verify", { response: await auth.authenticate(options as never, ORIGIN) }))
        .status,
    ).toBe(200);
  });

  it("an unknown credential id gets the one sign-in refusal", async () => {
    const stranger = await SoftAuthenticator.create();
    const { browser: b } = await signUp();
    await addPasskey(b, stranger);
    await env.DB.prepare("DELETE FROM credentials WHERE id = ?").bind(stranger.credentialId).run();
    const browser = new TestBrowser();
    const res = await passkeySignIn(browser, stranger);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "verification_failed", message: SIGN_IN_REFUSED });
  });

  it("return_to is kept to same-origin paths", async () => {
    const { auth } = await userWithPasskey();
    const ok = await passkeySignIn(new TestBrowser(), auth, "/authorize/continue?rid=abc");
    expect(await ok.json()).toMatchObject({ redirect: "/authorize/continue?rid=abc" });
    const evil = await passkeySignIn(new TestBrowser(), auth, "//evil.example/steal");
    expect(await evil.json()).toMatchObject({ redirect: "/account" });
  });
});

describe("bad input on ceremony endpoints", () => {
  it("malformed JSON, wrong types, wrong content type, oversized bodies and missing CSRF get precise 4xx", async () => {
    const browser = new TestBrowser();
    const csrf = await browser.csrf();
    const post = (
      body: string,
      type = "application/json",
      headers: Record<string, string> = { "x-csrf-token": csrf },
    ) => browser.fetch("/auth/passkey/verify", { method: "POST", body, headers: { "content-type": type, ...headers } });
    let res = await post("{not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_json" });
    res = await post(JSON.stringify({ response: "nope" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    res = await post(JSON.stringify([1, 2]));
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    res = await post("a=b", "text/plain");
    expect(res.status).toBe(415);
    res = await post(JSON.stringify({ response: { id: "x".repeat(70_000) } }));
    expect(res.status).toBe(413);
    res = await post(JSON.stringify({}), "application/json", {});
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "csrf_failed" });
    res = await browser.fetch("/auth/passkey/options", {
      method: "POST",
      json: {},
      headers: { "x-csrf-token": csrf, origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    res = await browser.postJson("/auth/passkey/verify", {
      response: { id: "abc", response: { clientDataJSON: "!!!" } },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });
});
