/**
 * Unlinking a provider on the account page: the sessions started through that identity end (the one that unlinked
 * it stays), and federation.unlinked is recorded and published as a webhook. The federated session is started in
 * the user's Durable Object as the callback starts it (the upstream round trip itself is test/e2e/federation).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { identityKey, linkIdentity } from "../../src/db/federated-identities";
import { signUp } from "../helpers/accounts";
import { adminCall } from "../helpers/admin-api";
import { endpointFor, receiverName, waitForHooks } from "../helpers/webhook-receiver";

describe("unlinking a provider", { timeout: 30_000 }, () => {
  it("ends the sessions started through it, keeps this one, and is published as federation.unlinked", async () => {
    const hooks = receiverName("ok");
    await endpointFor(hooks, ["federation.unlinked"]);
    const connection = `unlink-${crypto.randomUUID().slice(0, 8)}`;
    const created = await adminCall("POST", "/connections", {
      id: connection,
      display_name: "Unlink IdP",
      issuer: `https://${connection}.idp.example`,
      client_id: "latchkey",
      client_secret: "upstream-secret",
    });
    expect(created.status).toBe(201);
    const { browser, email } = await signUp();
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
    const userId = user!.id;
    const now = Date.now();
    const seen = { email, emailVerified: true, name: null };
    expect(await linkIdentity(env.DB, { connectionId: connection, subject: "up-1", userId }, seen, now)).toBe(userId);
    const stub = env.USER.get(env.USER.idFromName(`user:${userId}`));
    const federated = await stub.signIn(
      { id: `fed:test-${connection}`, expiresAt: now + 60_000 },
      {
        secretHash: `h-${connection}`,
        sid: `sid-${connection}`,
        userAgent: "elsewhere",
        country: null,
        amr: ["fed"],
        method: "federation",
        credentialId: null,
        crossDevice: false,
        identity: identityKey(connection, "up-1"),
        idleTtlMs: 600_000,
        absoluteTtlMs: 3_600_000,
      },
      now,
    );
    expect(federated.ok).toBe(true);

    const res = await browser.fetch("/account/providers/unlink", {
      form: { csrf: await browser.csrf(), connection, subject: "up-1" },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/account?done=unlinked");
    const sids = (await stub.listSessions(Date.now())).map((s) => s.sid);
    expect(sids).not.toContain(`sid-${connection}`);
    expect(sids).toHaveLength(1);
    const identities = await env.DB.prepare("SELECT count(*) AS n FROM federated_identities WHERE connection_id = ?")
      .bind(connection)
      .first<{ n: number }>();
    expect(identities!.n).toBe(0);

    const [hook] = (await waitForHooks(hooks, 1)).filter((h) => h.body.includes(userId));
    expect(hook).toMatchObject({ verified: "ok" });
    expect(JSON.parse(hook!.body)).toMatchObject({
      type: "federation.unlinked",
      data: { user_id: userId, connection, sessions_ended: 1 },
    });
  });
});
