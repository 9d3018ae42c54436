/**
 * Bench only: the OpenAuth issuer the cold-start comparison measures (close to OpenAuth's own Cloudflare example: one
 * code provider with a console-logging sender, one subject schema). Its storage is OpenAuth's MemoryStorage (the
 * cold-start probe touches none); it needs `nodejs_compat`, as the example has, since that module imports `node:fs`;
 * the two Durable Object classes are the trivial worker's, so every variant boots with the same bindings.
 */

import { DurableObject } from "cloudflare:workers";
import { issuer } from "@openauthjs/openauth";
import { CodeProvider } from "@openauthjs/openauth/provider/code";
import { MemoryStorage } from "@openauthjs/openauth/storage/memory";
import { createSubjects } from "@openauthjs/openauth/subject";
import { CodeUI } from "@openauthjs/openauth/ui/code";
import { object, string } from "valibot";

export class UserDO extends DurableObject {}
export class LimiterDO extends DurableObject {}

const subjects = createSubjects({ user: object({ id: string() }) });

// OpenAuth's own in-memory storage: the bench's bare workerd config binds no KV namespace.
const storage = MemoryStorage();

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
