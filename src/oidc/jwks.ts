/** The JWK Set (RFC 7517 §5) at jwks_uri: every published signing key, cacheable by relying parties and the CDN. */
import { Hono } from "hono";
import type { AppEnv } from "../app-types";
import { servedJwks } from "../keys/signing-keys";
import { METADATA_HEADERS } from "./discovery";

export const jwksRoutes = new Hono<AppEnv>();

// max-age=300 is far below KEY_SIGN_LEAD_S, so a cached copy always holds the key that signs next; on a fresh
// deployment the first answer already holds a key for every advertised algorithm (servedJwks).
jwksRoutes.get("/jwks.json", async function jwks(c) {
  return c.body(JSON.stringify(await servedJwks(c.env, c.get("config"), Date.now())), 200, METADATA_HEADERS);
});
