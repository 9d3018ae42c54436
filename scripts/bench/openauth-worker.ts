/**
 * Bench only: the OpenAuth issuer the cold-start comparison measures (close to OpenAuth's own Cloudflare example: one
 * code provider, one subject schema). Its storage is a small in-memory adapter (the cold-start probe touches none);
 * the two Durable Object classes are the trivial worker's, so every variant boots with the same bindings.
 */

import { DurableObject } from "cloudflare:workers";
import { issuer } from "@openauthjs/openauth";
import { CodeProvider } from "@openauthjs/openauth/provider/code";
import type { StorageAdapter } from "@openauthjs/openauth/storage/storage";
import { createSubjects } from "@openauthjs/openauth/subject";
import { CodeUI } from "@openauthjs/openauth/ui/code";
import { object, string } from "valibot";

export class UserDO extends DurableObject {}
export class LimiterDO extends DurableObject {}

const subjects = createSubjects({ user: object({ id: string() }) });

const entries = new Map<string, { value: Record<string, unknown>; expiry?: Date }>();
const storage: StorageAdapter = {
  async get(key) {
    const hit = entries.get(key.join("\u001f"));
    return hit && (!hit.expiry || hit.expiry > new Date()) ? hit.value : undefined;
  },
  async set(key, value, expiry) {
    entries.set(key.join("\u001f"), { value, expiry });
  },
  async remove(key) {
    entries.delete(key.join("\u001f"));
  },
  async *scan(prefix) {
    const p = prefix.join("\u001f");
    for (const [k, v] of entries) if (k.startsWith(p)) yield [k.split("\u001f"), v.value];
  },
};

export default issuer({
  subjects,
  storage,
  providers: {
    code: CodeProvider(
      CodeUI({
        sendCode: async (claims, code) => {
          console.log(claims.email, code);
        },
      }),
    ),
  },
  success: async (ctx, value) => ctx.subject("user", { id: String(value.claims.email) }),
});
