/**
 * Attestation formats through the shipped worker (dist/worker under wrangler dev, built with scripts/lean-webauthn.mjs):
 * "none" and "packed" self attestation register and then sign in; a forged self attestation, full packed attestation and
 * "fido-u2f" are refused
 * with the ceremony's own 400 (docs/attestation.md). A person signed in by link in Chromium; the ceremonies go
 * out as that browser's requests, with a Node authenticator that can produce what Chromium never sends.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { confirmLink, newEmail, requestMagicLink } from "./flows.mjs";
import { startStack, withBrowsers } from "./harness.mjs";
import { NodeAuthenticator } from "./node-authenticator.mjs";

const TIMEOUT = 180_000;

describe("attestation formats in the shipped worker", { timeout: TIMEOUT * 2 }, () => {
  let stack;
  before(
    async () => {
      stack = await startStack("attestation");
    },
    { timeout: TIMEOUT },
  );
  after(async () => {
    await stack?.stop();
  });

  test("none and packed self attestation register and sign in; forged self, full packed and fido-u2f are refused", {
    timeout: TIMEOUT,
  }, async (t) => {
    const origin = stack.origin;
    await withBrowsers(t, stack, 1, async ({ page }) => {
      await page.goto(`${origin}/signin`);
      await confirmLink(page, (await requestMagicLink(page, stack, newEmail("attest"))).link);
      await page.goto(`${origin}/account`);
      const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
      assert.ok(csrf, "the account page carries a CSRF token");
      // The browser's own cookies (page.request shares them), from the browser's origin.
      const post = async (path, data) => {
        const res = await page.request.post(`${origin}${path}`, { data, headers: { "x-csrf-token": csrf, origin } });
        return { status: res.status(), body: await res.json() };
      };

      const outcomes = {};
      for (const fmt of ["none", "packed-self", "packed-self-forged", "packed-full", "fido-u2f"]) {
        const authenticator = new NodeAuthenticator({ origin, rpId: "localhost" });
        const options = await post("/auth/passkey/register/options", {});
        assert.equal(options.status, 200, `registration options: ${JSON.stringify(options.body)}`);
        const registered = await post("/auth/passkey/register/verify", {
          response: await authenticator.register(options.body, fmt),
          name: `key ${fmt}`,
        });
        outcomes[fmt] = registered.status;
        if (fmt === "none" || fmt === "packed-self") {
          assert.equal(registered.status, 201, `${fmt} registers: ${JSON.stringify(registered.body)}`);
          const signInOptions = await post("/auth/passkey/options", {});
          assert.equal(signInOptions.status, 200);
          const signedIn = await post("/auth/passkey/verify", {
            response: await authenticator.assert(signInOptions.body),
          });
          assert.equal(signedIn.status, 200, `${fmt}: the new passkey signs in: ${JSON.stringify(signedIn.body)}`);
        } else {
          assert.equal(registered.status, 400, `${fmt} is refused: ${JSON.stringify(registered.body)}`);
          assert.equal(registered.body.error, "verification_failed");
        }
      }
      assert.deepEqual(outcomes, {
        none: 201,
        "packed-self": 201,
        "packed-self-forged": 400,
        "packed-full": 400,
        "fido-u2f": 400,
      });
    });
  });
});
