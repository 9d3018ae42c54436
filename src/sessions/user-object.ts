/** Addressing the per-user Durable Object: by user id, or by normalized email until the user exists. */
import type { Env } from "../config";

export function userObject(env: Env, userId: string) {
  return env.USER.get(env.USER.idFromName(`user:${userId}`));
}

export function emailObject(env: Env, normalizedEmail: string) {
  return env.USER.get(env.USER.idFromName(`email:${normalizedEmail}`));
}
