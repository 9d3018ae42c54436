/** The signature-counter rule of WebAuthn L3 §7.2 step 22, pure. */

/**
 * True when the new counter is acceptable: both zero (authenticator does not count, common for synced
 * passkeys) or strictly greater than the stored value. Anything else is a possible clone.
 */
export function checkSignCounter(stored: number, received: number): boolean {
  if (stored === 0 && received === 0) return true;
  return received > stored;
}
