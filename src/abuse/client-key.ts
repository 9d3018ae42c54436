/** Which OAuth client a token/revocation request claims to be (before authentication), for failure counting. */
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import type { LimitKey } from "./rate-limiter";

const MAX_PEEK_BYTES = 16 * 1024;

export async function presentedClientKey(c: Context<AppEnv>): Promise<LimitKey | null> {
  const auth = c.req.header("authorization");
  if (auth && /^Basic /i.test(auth)) {
    try {
      const decoded = atob(auth.slice(6).trim());
      const id = decodeURIComponent(decoded.slice(0, decoded.indexOf(":")).replace(/\+/g, "%20"));
      return id && id.length <= 128 ? { kind: "client", clientId: id } : null;
    } catch {
      return null;
    }
  }
  const length = Number(c.req.header("content-length") ?? "NaN");
  if (!(length <= MAX_PEEK_BYTES) || !(c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) return null;
  try {
    const id = new URLSearchParams(await c.req.raw.clone().text()).get("client_id");
    return id && id.length <= 128 ? { kind: "client", clientId: id } : null;
  } catch {
    return null;
  }
}
