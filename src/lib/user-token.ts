/**
 * The user-bound token format `<userId>.<secret>` (authorization codes, refresh tokens): the prefix routes the token
 * to the user's Durable Object, the secret is 256 random bits stored only as its SHA-256. A bare secret (a magic
 * link) has the same form without the prefix.
 */
import { randomToken } from "./crypto";

const SECRET = /^[A-Za-z0-9_-]{43}$/;
const USER_TOKEN = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/;

interface UserToken {
  userId: string;
  secret: string;
}

/** A fresh secret: 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomToken(32);
}

/** Whether `value` has the form of a secret from newSecret (checked before any look-up). */
export function isSecret(value: string): boolean {
  return SECRET.test(value);
}

/** `<userId>.<secret>` for the user's object to redeem. */
function joinUserToken(userId: string, secret: string): string {
  return `${userId}.${secret}`;
}

/** A fresh user-bound token and the secret whose hash is stored. */
export function newUserToken(userId: string): { token: string; secret: string } {
  const secret = newSecret();
  return { token: joinUserToken(userId, secret), secret };
}

/** Splits a user-bound token into the user id (routing) and the secret; null when malformed. */
export function splitUserToken(token: string): UserToken | null {
  const m = USER_TOKEN.exec(token);
  return m ? { userId: m[1]!, secret: m[2]! } : null;
}
