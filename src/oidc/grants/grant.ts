/** The shape every grant type at the token endpoint has (RFC 6749 §4.1.3, §6, later §4.4): one module each. */
import type { Context } from "hono";
import type { AppEnv } from "../../app-types";
import type { GrantType } from "../capabilities";
import type { ClientRecord } from "../clients";
import type { TokenResponse } from "../issue-tokens";

export interface Grant {
  type: GrantType;
  /** Runs the grant for an authenticated client registered for it; throws OAuthError on refusal. */
  handle(c: Context<AppEnv>, client: ClientRecord, form: Map<string, string>): Promise<TokenResponse>;
}
