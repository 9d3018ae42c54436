/**
 * The audit log of the token side: codes and refresh tokens redeemed, reused (family revoked) and revoked, and
 * clients registered, driven through the endpoints and read back from D1 audit_events (docs/events.md).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { userWithPasskey } from "../helpers/accounts";
import { auditEvents, detailsWithEmail, waitForEvents } from "../helpers/audit";
import type { TestBrowser } from "../helpers/browser";
import {
  authorizeCode,
  exchangeCode,
  expectTokens,
  postOAuth,
  refresh,
  registerClient,
  signInTokens,
  userIdOf,
} from "../helpers/oidc-client";

let browser: TestBrowser;
let userId: string;

beforeAll(async () => {
  ({ browser } = await userWithPasskey());
  userId = userIdOf(browser);
});

describe("audit: tokens", () => {
  it("client.registered by POST /register, with the admin token as actor", async () => {
    const client = await registerClient();
    const [row] = await waitForEvents({ clientId: client.client_id, type: "client.registered" }, ["client.registered"]);
    expect(row).toMatchObject({ actor: "admin:token", userId: null, outcome: "success" });
    expect(row!.detail).toMatchObject({
      via: "register",
      token_endpoint_auth_method: client.token_endpoint_auth_method,
    });
    expect(JSON.stringify(row!.detail)).not.toContain(client.client_secret ?? "no secret");
  });

  it("token.issued for the code and for each refresh: grant type, client, scope, and never a token value", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    const refreshed = await expectTokens(await refresh(client, tokens.refresh_token!));
    const rows = await waitForEvents({ clientId: client.client_id, type: "token.issued" }, ["token.issued"]);
    const grants = async () =>
      (await auditEvents({ clientId: client.client_id, type: "token.issued" })).map((r) => r.detail.grant_type);
    for (let i = 0; i < 80 && (await grants()).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await grants()).sort()).toEqual(["authorization_code", "refresh_token"]);
    const issued = await auditEvents({ clientId: client.client_id, type: "token.issued" });
    for (const row of issued) {
      expect(row.userId).toBe(userId);
      expect(row.detail).toMatchObject({ scope: tokens.scope, id_token: true, refresh_token: true });
      const text = JSON.stringify(row.detail);
      for (const value of [tokens.access_token, tokens.refresh_token!, refreshed.access_token, refreshed.id_token!])
        expect(text).not.toContain(value);
    }
    expect(rows[0]!.detail.family_id).toEqual(expect.any(String));
    expect(detailsWithEmail(issued)).toEqual([]);
  });

  it("code reuse (RFC 6749 §4.1.2): the second redemption is refused and recorded as code.reused, family revoked", async () => {
    const client = await registerClient();
    const auth = await authorizeCode(browser, client);
    await expectTokens(await exchangeCode(client, auth));
    const replay = await exchangeCode(client, auth);
    expect(replay.status).toBe(400);
    const [row] = await waitForEvents({ clientId: client.client_id, type: "code.reused" }, ["code.reused"]);
    expect(row).toMatchObject({ userId, outcome: "success", detail: { family_revoked: true } });
  });

  it("refresh reuse (RFC 9700 §4.14.2): a rotated token presented again is refused and recorded as refresh.reused", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    await expectTokens(await refresh(client, tokens.refresh_token!));
    const reuse = await refresh(client, tokens.refresh_token!);
    expect(reuse.status).toBe(400);
    const [row] = await waitForEvents({ clientId: client.client_id, type: "refresh.reused" }, ["refresh.reused"]);
    expect(row).toMatchObject({ userId, outcome: "success", detail: { family_revoked: true } });
  });

  it("token.revoked (RFC 7009) for a refresh token and for an access token; nothing for a token that is not ours", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    expect((await postOAuth("/revoke", client, { token: tokens.refresh_token! })).status).toBe(200);
    expect((await postOAuth("/revoke", client, { token: tokens.access_token })).status).toBe(200);
    expect((await postOAuth("/revoke", client, { token: "not-a-token" })).status).toBe(200);
    const kinds = async () =>
      (await auditEvents({ clientId: client.client_id, type: "token.revoked" })).map((r) => r.detail.token_type);
    for (let i = 0; i < 80 && (await kinds()).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await kinds()).sort()).toEqual(["access_token", "refresh_token"]);
    const rows = await auditEvents({ clientId: client.client_id, type: "token.revoked" });
    expect(rows.every((r) => r.userId === userId)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(tokens.refresh_token!);
  });
});
