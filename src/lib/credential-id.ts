/** WebAuthn L3 §7.1 step 25: the longest credential id a Relying Party registers. */
export const MAX_CREDENTIAL_ID_BYTES = 1023;

/** That id in base64url: the longest credential id any request may name (sign-in, rename, delete). */
export const MAX_CREDENTIAL_ID_CHARS = Math.ceil((MAX_CREDENTIAL_ID_BYTES * 4) / 3);
