/** RFC 8707 resource indicator → access token audience; the issuer when absent (pure). */
import type { Config } from "../../config";
import { OAuthError } from "../../errors";
import { ACCESS_TOKEN_TTL_S } from "../../lib/token-lifetimes";
import type { AccessTokenAudience } from "../token-claims";

export function audienceOf(form: Map<string, string>, config: Config): AccessTokenAudience {
  const resource = form.get("resource");
  if (resource === undefined) return { audience: config.issuer, ttlS: ACCESS_TOKEN_TTL_S };
  // RFC 8707 §2: an absolute URI without a fragment, and one this deployment serves (RESOURCES) —
  // otherwise any client could mint tokens addressed to any API.
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new OAuthError("invalid_target", "resource must be an absolute URI");
  }
  if (url.hash) throw new OAuthError("invalid_target", "resource must not have a fragment");
  if (resource !== config.issuer && !config.resources.includes(resource)) {
    throw new OAuthError("invalid_target", "this resource is not served here");
  }
  return { audience: resource, ttlS: ACCESS_TOKEN_TTL_S };
}
