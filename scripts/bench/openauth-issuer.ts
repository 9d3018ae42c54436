/**
 * Bench only: the cold-start comparison for issue 10, a minimal but real OpenAuth issuer, close to OpenAuth's own
 * Cloudflare example (the password provider with a console-logging sender, a subjects schema, the issuer built per
 * request). Storage is OpenAuth's MemoryStorage: the bench's bare workerd config binds no KV namespace, and the probed
 * route (`/.well-known/oauth-authorization-server`) reads no storage. Like the example, it runs with `nodejs_compat`:
 * the issuer module imports `node:fs` (MemoryStorage) and the password provider `node:crypto`.
 */
import { issuer } from "@openauthjs/openauth";
import { PasswordProvider } from "@openauthjs/openauth/provider/password";
import { MemoryStorage } from "@openauthjs/openauth/storage/memory";
import { createSubjects } from "@openauthjs/openauth/subject";
import { PasswordUI } from "@openauthjs/openauth/ui/password";
import { object, string } from "valibot";

const subjects = createSubjects({ user: object({ id: string() }) });
const storage = MemoryStorage();

export default {
  fetch(request: Request, env: unknown, ctx: ExecutionContext): Response | Promise<Response> {
    return issuer({
      storage,
      subjects,
      providers: {
        password: PasswordProvider(
          PasswordUI({
            sendCode: async (email, code) => {
              console.log(email, code);
            },
          }),
        ),
      },
      success: async (ctx, value) => {
        if (value.provider === "password") return ctx.subject("user", { id: value.email });
        throw new Error("unknown provider");
      },
    }).fetch(request, env, ctx);
  },
};
