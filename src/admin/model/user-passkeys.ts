/** A user's passkeys as the admin API and the console see them, and removing one. */
import * as v from "valibot";
import { removePasskey } from "../../account/remove-passkey";
import { recordEvents } from "../../audit/record";
import { type Credential, listCredentials } from "../../db/credentials";
import { authenticatorName } from "../../passkeys/aaguid-names";
import { nullableTimestamp, rfc3339, timestamp } from "../api/wire";
import type { Actor } from "./user-changes";

export const passkeySchema = v.object({
  id: v.pipe(v.string(), v.description("The credential id, base64url (WebAuthn L3 §4)")),
  name: v.string(),
  authenticator_name: v.pipe(v.string(), v.description("The authenticator model, from its AAGUID")),
  created_at: timestamp,
  last_used_at: nullableTimestamp,
  backed_up: v.pipe(v.boolean(), v.description("Backup state (BS flag, WebAuthn L3 §6.1): synced to other devices")),
  transports: v.array(v.string()),
});
export type PasskeyWire = v.InferOutput<typeof passkeySchema>;

function transportsOf(json: string): string[] {
  try {
    const list = JSON.parse(json) as unknown;
    return Array.isArray(list) ? list.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}

function passkeyWire(credential: Credential): PasskeyWire {
  return {
    id: credential.id,
    name: credential.name,
    authenticator_name: authenticatorName(credential.aaguid),
    created_at: rfc3339(credential.createdAt),
    last_used_at: rfc3339(credential.lastUsedAt),
    backed_up: credential.backupState,
    transports: transportsOf(credential.transports),
  };
}

/** Oldest first. */
export async function listUserPasskeys(d1: D1Database, userId: string): Promise<PasskeyWire[]> {
  return (await listCredentials(d1, userId)).map(passkeyWire);
}

/** Removes the passkey and ends every session it started. False when the user has no such passkey. */
export async function removeUserPasskey(who: Actor, userId: string, credentialId: string, now: number) {
  const ended = await removePasskey(who.env, userId, credentialId, null, now);
  if (!ended) return false;
  recordEvents(who.sink, {
    type: "passkey.removed",
    userId,
    actor: who.actor,
    detail: { credential_id: credentialId, sessions_ended: ended.length },
  });
  return true;
}
