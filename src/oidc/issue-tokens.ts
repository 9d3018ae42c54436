/** Signs the token response for a grant: RFC 9068 access token, ID token when `openid`, and the refresh token. */
import type { AuditEvent } from "../audit/record";
import type { Config, Env } from "../config";
import { getSigningKey } from "../keys/signing-keys";
import { randomToken } from "../lib/crypto";
import { atHash } from "./at-hash";
import { ACCESS_TOKEN_ALG, type GrantType } from "./capabilities";
import type { ClientRecord } from "./clients";
import { signJwt } from "./own-tokens";
import { formatScope } from "./scope";
import { type AccessTokenAudience, accessTokenClaims, idTokenClaims, type TokenSubject } from "./token-claims";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** Loads (or creates) the signing keys this response needs, before any single-use value is consumed. */
export async function prepareSigning(env: Env, config: Config, client: ClientRecord, now: number): Promise<void> {
  await getSigningKey(env, config, ACCESS_TOKEN_ALG, now);
  if (client.idTokenSignedResponseAlg !== ACCESS_TOKEN_ALG)
    await getSigningKey(env, config, client.idTokenSignedResponseAlg, now);
}

export async function issueTokens(
  env: Env,
  config: Config,
  client: ClientRecord,
  subject: TokenSubject,
  opts: { nonce: string | null; audience: AccessTokenAudience; refreshToken: string | null },
  now: number,
): Promise<TokenResponse> {
  const accessToken = await signJwt(
    env,
    config,
    ACCESS_TOKEN_ALG,
    "at+jwt",
    accessTokenClaims(subject, opts.audience, randomToken(16), now),
    now,
  );
  const response: TokenResponse = {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: opts.audience.ttlS,
    scope: formatScope(subject.scope),
  };
  if (subject.scope.has("openid")) {
    const alg = client.idTokenSignedResponseAlg;
    response.id_token = await signJwt(
      env,
      config,
      alg,
      "JWT",
      idTokenClaims(subject, opts.nonce, await atHash(accessToken, alg), randomToken(16), now),
      now,
    );
  }
  if (opts.refreshToken) response.refresh_token = opts.refreshToken;
  return response;
}

/** The token.issued event for a response: what was issued and to whom, never a token value (docs/events.md). */
export function tokenIssued(grantType: GrantType, subject: TokenSubject, tokens: TokenResponse): AuditEvent {
  return {
    type: "token.issued",
    userId: subject.userId,
    clientId: subject.clientId,
    detail: {
      grant_type: grantType,
      scope: tokens.scope,
      sid: subject.sid,
      family_id: subject.familyId,
      id_token: tokens.id_token !== undefined,
      refresh_token: tokens.refresh_token !== undefined,
    },
  };
}
