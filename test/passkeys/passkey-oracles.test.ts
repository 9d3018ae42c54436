/**
 * What a failed passkey ceremony tells the caller: one answer before a verified signature (WebAuthn L3 §14.6.2),
 * and never the library's own text (which names the allowed origins).
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { base64url } from "../../src/lib/crypto";
import { SIGN_IN_REFUSED } from "../../src/passkeys/refusal";
import { addPasskey, signUp, uniqueEmail, userWithPasskey } from "../helpers/accounts";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

type Options = { challenge: string; allowCredentials: { id: string }[] };

const bytes = (n: number, fill: number) => base64url(new Uint8Array(n).fill(fill));

async function hintedOptions(browser: TestBrowser, email: string): Promise<Options> {
  const res = await browser.postJson("/auth/passkey/options", { email });
  expect(res.status).toBe(200);
  return (await res.json()) as Options;
}

/**
 * An assertion for `id` under the options' challenge, with garbage where the authenticator's data goes:
 * "short" is not even authenticator data; "shaped" is well-formed (right RP ID hash, UP and UV set) with a
 * made-up DER signature, so verification gets as far as the signature.
 */
async function garbageAssertion(options: Options, id: string, kind: "short" | "shaped"): Promise<unknown> {
  const clientDataJSON = base64url(
    new TextEncoder().encode(
      JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: ORIGIN, crossOrigin: false }),
    ),
  );
  let authenticatorData = bytes(8, 7);
  let signature = bytes(16, 9);
  if (kind === "shaped") {
    const rpIdHash = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(new URL(ORIGIN).hostname)),
    );
    authenticatorData = base64url(new Uint8Array([...rpIdHash, 0x05, 0, 0, 0, 9]));
    const r = new Uint8Array(32).fill(0x11);
    const s = new Uint8Array(32).fill(0x22);
    signature = base64url(new Uint8Array([0x30, 68, 0x02, 32, ...r, 0x02, 32, ...s]));
  }
  return {
    id,
    rawId: id,
    type: "public-key",
    clientExtensionResults: {},
    response: { clientDataJSON, authenticatorData, signature },
  };
}

async function answer(res: Response): Promise<{ status: number; type: string | null; body: string }> {
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

describe("passkey enumeration oracles (WebAuthn L3 §14.6.2)", () => {
  it("enumeration oracle: a real account's allowCredentials id and a decoy's, echoed back with garbage, get byte-identical answers", async () => {
    const { email } = await userWithPasskey();
    const decoyEmail = uniqueEmail("decoy");
    for (const kind of ["short", "shaped"] as const) {
      const answers = [];
      for (const address of [email, decoyEmail]) {
        const browser = new TestBrowser();
        const options = await hintedOptions(browser, address);
        const id = options.allowCredentials[0]!.id;
        answers.push(
          await answer(
            await browser.postJson("/auth/passkey/verify", { response: await garbageAssertion(options, id, kind) }),
          ),
        );
        expect(browser.sessionCookie).toBeUndefined();
      }
      expect(answers[0], kind).toEqual({
        status: 400,
        type: "application/json",
        body: JSON.stringify({ error: "verification_failed", message: SIGN_IN_REFUSED }),
      });
      expect(answers[1], kind).toEqual(answers[0]);
    }
  });

  it("second oracle: a genuine assertion of another account's passkey in a ceremony hinted for this address gets the same answer as a decoy", async () => {
    const { auth: otherAccountsPasskey } = await userWithPasskey();
    const { browser: owner, email } = await signUp();
    await addPasskey(owner);

    // The other account's passkey, correctly signed over this ceremony's challenge, but not one this address owns.
    const browser = new TestBrowser();
    const options = await hintedOptions(browser, email);
    const foreign = await otherAccountsPasskey.authenticate({ ...options, allowCredentials: [] } as never, ORIGIN);
    const crossAccount = await answer(await browser.postJson("/auth/passkey/verify", { response: foreign }));
    expect(browser.sessionCookie).toBeUndefined();

    const decoyBrowser = new TestBrowser();
    const decoyOptions = await hintedOptions(decoyBrowser, uniqueEmail("decoy"));
    const decoy = await answer(
      await decoyBrowser.postJson("/auth/passkey/verify", {
        response: await garbageAssertion(decoyOptions, decoyOptions.allowCredentials[0]!.id, "shaped"),
      }),
    );
    expect(crossAccount).toEqual(decoy);
    expect(crossAccount.body).not.toContain("another account");
  });
});

describe("errors say too much", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a phished sign-in's answer carries neither the library's text nor the allowed-origin list; the reason is logged", async () => {
    const warn = vi.spyOn(console, "warn");
    const { auth } = await userWithPasskey();
    const browser = new TestBrowser();
    const options = await (await browser.postJson("/auth/passkey/options", {})).json();
    const res = await browser.postJson("/auth/passkey/verify", {
      response: await auth.authenticate(options as never, "https://evil.example"),
    });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toBe(JSON.stringify({ error: "verification_failed", message: SIGN_IN_REFUSED }));
    for (const leak of [ORIGIN, "localhost", "evil.example", "Unexpected", "expected"])
      expect(body).not.toContain(leak);
    expect(warn.mock.calls.some((args) => args.join(" ").includes("evil.example"))).toBe(true);
  });

  it("a phished registration's answer carries neither the library's text nor the allowed-origin list", async () => {
    const { browser, email } = await signUp();
    const auth = await SoftAuthenticator.create();
    const options = await (await browser.postJson("/auth/passkey/register/options", {})).json();
    const res = await browser.postJson("/auth/passkey/register/verify", {
      response: await auth.register(options as never, "https://evil.example"),
    });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ error: "verification_failed" });
    for (const leak of [ORIGIN, "localhost", "evil.example", "Unexpected", "expected"])
      expect(body).not.toContain(leak);
    const stored = await env.DB.prepare(
      "SELECT count(*) AS n FROM credentials WHERE user_id = (SELECT id FROM users WHERE email = ?)",
    )
      .bind(email)
      .first<{ n: number }>();
    expect(stored!.n).toBe(0);
  });
});
