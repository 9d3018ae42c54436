/**
 * The shipped build carries only the WebAuthn code a "none" attestation conveyance can run (scripts/lean-webauthn.mjs):
 * no ASN.1 or X.509 stack, every replaced library module still exists where the plugin expects it (a library upgrade
 * that moves one fails here instead of silently shipping it again), and each is replaced in the output.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { workerBuildOptions } from "../../scripts/build-worker.mjs";
import { LEAN_MODULES } from "../../scripts/lean-webauthn.mjs";
import { ROOT } from "./harness.mjs";

const LIBRARY = "node_modules/@simplewebauthn/server/esm";

test("the Worker upload has no attestation-format code, ASN.1 or X.509 parser", async () => {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-lean-build-"));
  try {
    const { metafile } = await build({ ...workerBuildOptions(["src/index.ts"], dir), write: false });
    const inputs = Object.keys(metafile.inputs);
    const heavy = inputs.filter((p) =>
      /node_modules\/(asn1js|@peculiar\/|tsyringe|reflect-metadata|pvtsutils|pvutils)/.test(p),
    );
    assert.deepEqual(heavy, [], "no ASN.1 / X.509 module is uploaded");
    for (const m of LEAN_MODULES) {
      const path = `${LIBRARY}/${m}.js`;
      assert.ok(
        existsSync(join(ROOT, path)),
        `${path} still exists in @simplewebauthn/server (else the plugin replaces nothing)`,
      );
    }
    const shipped = inputs.filter((p) => p.startsWith(LIBRARY));
    const replacedInOutput = LEAN_MODULES.filter((m) => shipped.includes(`${LIBRARY}/${m}.js`));
    // Every replaced module the library still imports is in the output only as its replacement: small, no library code.
    for (const m of replacedInOutput) {
      const bytes = Object.values(metafile.outputs).reduce(
        (n, o) => n + (o.inputs[`${LIBRARY}/${m}.js`]?.bytesInOutput ?? 0),
        0,
      );
      assert.ok(bytes < 400, `${m} ships as ${bytes} bytes: the replacement, not the library's code`);
    }
    assert.ok(
      replacedInOutput.includes("registration/verifications/verifyAttestationPacked"),
      "the packed verifier is the replaced one",
    );
    assert.ok(
      replacedInOutput.includes("helpers/iso/isoCrypto/unwrapEC2Signature"),
      "sign-in's DER reader is the replaced one",
    );
    const webauthnBytes = Object.values(metafile.outputs).reduce(
      (n, o) =>
        n +
        Object.entries(o.inputs)
          .filter(([p]) => p.includes("@simplewebauthn"))
          .reduce((k, [, v]) => k + v.bytesInOutput, 0),
      0,
    );
    console.log(
      `lean-build: @simplewebauthn/server ships ${(webauthnBytes / 1024).toFixed(1)} KiB; ${replacedInOutput.length} of ${LEAN_MODULES.length} replaced modules are imported`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
