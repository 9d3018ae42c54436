// esbuild plugin for the Worker upload: ships only the @simplewebauthn/server code Latchkey can run.
//
// Latchkey asks for no attestation (`attestationType: "none"`), yet the library's registration verifier imports
// every attestation format, and with them X.509 path validation, the FIDO Metadata Service, bundled root
// certificates and their ASN.1 parsers (asn1js, @peculiar/*, tsyringe, reflect-metadata): about 280 KB that workerd
// compiles at every cold start although none of it can run. Here each such module is replaced at build time:
//   - "none" attestation is the library's own code, untouched;
//   - "packed" becomes self attestation only (src/passkeys/lean-webauthn/verify-attestation-packed.ts);
//   - fido-u2f, android-key, android-safetynet, tpm and apple are refused with a clear error (docs/attestation.md);
//   - the DER → raw ECDSA conversion used at every sign-in is Latchkey's strict DER reader instead of asn1js;
//   - certificate, metadata and revocation helpers, reachable only from the refused formats, throw if ever called.
// The vitest pool runs src/ against the whole library; test/e2e runs this build under `wrangler dev`.
import { resolve } from "node:path";

const LIBRARY = /[\\/]node_modules[\\/]@simplewebauthn[\\/]server[\\/]esm[\\/](.+)\.js$/;

/** Formats refused outright; each needs a certificate chain (WebAuthn L3 §8.3–§8.8). */
const REFUSED_FORMATS = {
  "registration/verifications/verifyAttestationFIDOU2F": ["verifyAttestationFIDOU2F", "fido-u2f"],
  "registration/verifications/verifyAttestationAndroidKey": ["verifyAttestationAndroidKey", "android-key"],
  "registration/verifications/verifyAttestationAndroidSafetyNet": [
    "verifyAttestationAndroidSafetyNet",
    "android-safetynet",
  ],
  "registration/verifications/tpm/verifyAttestationTPM": ["verifyAttestationTPM", "tpm"],
  "registration/verifications/verifyAttestationApple": ["verifyAttestationApple", "apple"],
};

/** Helpers only the refused formats (or the library's own MDS tooling) call: kept as names, never as code. */
const UNREACHABLE = {
  "helpers/convertX509PublicKeyToCOSE": ["convertX509PublicKeyToCOSE"],
  "helpers/getCertificateInfo": ["getCertificateInfo"],
  "helpers/isCertRevoked": ["isCertRevoked"],
  "helpers/validateCertificatePath": ["validateCertificatePath"],
  "helpers/validateExtFIDOGenCEAAGUID": ["validateExtFIDOGenCEAAGUID"],
  "helpers/mapX509SignatureAlgToCOSEAlg": ["mapX509SignatureAlgToCOSEAlg"],
  "metadata/verifyMDSBlob": ["verifyMDSBlob"],
  "metadata/verifyAttestationWithMetadata": ["verifyAttestationWithMetadata"],
};

/** Modules replaced by Latchkey's own (same exports). */
const REPLACED = {
  "registration/verifications/verifyAttestationPacked": "src/passkeys/lean-webauthn/verify-attestation-packed.ts",
  "helpers/iso/isoCrypto/unwrapEC2Signature": "src/passkeys/lean-webauthn/unwrap-ec2-signature.ts",
  "services/settingsService": "src/passkeys/lean-webauthn/settings-service.ts",
};

const throwing = (name, message) => `export function ${name}() { throw new Error(${JSON.stringify(message)}); }\n`;

/** The replacement source of one library module, or null to keep the library's own. */
export function leanModuleSource(relative, root) {
  if (REFUSED_FORMATS[relative]) {
    const [name, fmt] = REFUSED_FORMATS[relative];
    return throwing(
      name,
      `Attestation format "${fmt}" is not accepted: Latchkey asks for no attestation (docs/attestation.md)`,
    );
  }
  if (UNREACHABLE[relative])
    return UNREACHABLE[relative]
      .map((n) => throwing(n, `${n} is not part of Latchkey's build (docs/attestation.md)`))
      .join("");
  if (relative === "services/metadataService") {
    // The FIDO Metadata Service is never initialised by Latchkey: no statement is ever known.
    return 'export const MetadataService = { async initialize() { throw new Error("MetadataService is not part of Latchkey\'s build"); }, async getStatement() { return undefined; } };\nexport class BaseMetadataService {}\n';
  }
  if (REPLACED[relative]) return `export * from ${JSON.stringify(resolve(root, REPLACED[relative]))};\n`;
  return null;
}

/** Every library module this plugin replaces (the bench and the tests list them). */
export const LEAN_MODULES = [
  ...Object.keys(REFUSED_FORMATS),
  ...Object.keys(UNREACHABLE),
  "services/metadataService",
  ...Object.keys(REPLACED),
];

export function leanWebauthn(root) {
  return {
    name: "latchkey-lean-webauthn",
    setup(build) {
      build.onLoad({ filter: LIBRARY }, (args) => {
        const relative = LIBRARY.exec(args.path)[1].replace(/\\/g, "/");
        const contents = leanModuleSource(relative, root);
        return contents === null ? undefined : { contents, loader: "js", resolveDir: root };
      });
    },
  };
}
