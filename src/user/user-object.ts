/** Addressing the per-user Durable Object: by user id, or by normalized email until the user exists. */
import type { UserDO } from "./user-do";

/** The one binding this needs (the Worker's `Env` has it), so user/ sits below config.ts in the layers. */
type UserBinding = { USER: DurableObjectNamespace<UserDO> };

/** Object ids by name per namespace: `idFromName` hashes the name on every call, and the same users come back. */
const ids = new WeakMap<object, Map<string, DurableObjectId>>();
const MAX_CACHED_IDS = 4096;

function idFor(ns: { idFromName(name: string): DurableObjectId }, name: string): DurableObjectId {
  let byName = ids.get(ns);
  if (!byName) {
    byName = new Map();
    ids.set(ns, byName);
  }
  let id = byName.get(name);
  if (!id) {
    id = ns.idFromName(name);
    if (byName.size >= MAX_CACHED_IDS) byName.clear();
    byName.set(name, id);
  }
  return id;
}

export function userObject(env: UserBinding, userId: string) {
  return env.USER.get(idFor(env.USER, `user:${userId}`));
}

export function emailObject(env: UserBinding, normalizedEmail: string) {
  return env.USER.get(idFor(env.USER, `email:${normalizedEmail}`));
}

/**
 * A client's own object (the same class, keyed `client:<client_id>`): the one-time `jti`s of its JWT assertions
 * (RFC 7523 §3) and the revoked ids of its client_credentials access tokens, decided without KV.
 */
export function clientObject(env: UserBinding, clientId: string) {
  return env.USER.get(idFor(env.USER, `client:${clientId}`));
}
