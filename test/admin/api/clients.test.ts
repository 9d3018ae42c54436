/**
 * Admin API clients: CRUD with the registration rules, creation equal to POST /register, secret rotation with its
 * grace period at the token endpoint, deletion ending refresh tokens. Every answer checked against the OpenAPI document.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { clearClientCache } from "../../../src/oidc/clients";
import { userWithPasskey } from "../../helpers/accounts";
import { adminCall } from "../../helpers/admin-api";
import type { TestBrowser } from "../../helpers/browser";
import {
  ADMIN_TOKEN,
  consentTo,
  expectTokens,
  REDIRECT_URI,
  refresh,
  signInTokens,
  type TestClient,
  tokenRequest,
} from "../../helpers/oidc-client";

type Info = TestClient & Record<string, unknown>;

let browser: TestBrowser;
beforeAll(async () => {
  ({ browser } = await userWithPasskey());
});

async function createClient(metadata: Record<string, unknown> = {}): Promise<Info> {
  const res = await adminCall("POST", "/clients", {
    redirect_uris: [REDIRECT_URI],
    grant_types: ["authorization_code", "refresh_token"],
    first_party: true,
    client_name: "Admin RP",
    ...metadata,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return res.body as Info;
}

/** The audit types recorded for a client, with their actors (written after the response: waited for). */
async function clientEvents(clientId: string, count: number): Promise<{ type: string; actor: string }[]> {
  return vi.waitFor(async () => {
    const { results } = await env.DB.prepare("SELECT type, actor FROM audit_events WHERE client_id = ? ORDER BY id")
      .bind(clientId)
      .all<{ type: string; actor: string }>();
    expect(results.length).toBeGreaterThanOrEqual(count);
    return results;
  });
}

/** Client authentication at /token with a made-up code: invalid_grant means the secret passed, invalid_client not. */
async function secretAccepted(client: TestClient, secret: string): Promise<boolean> {
  const res = await tokenRequest(
    client,
    { grant_type: "authorization_code", code: "x.unknown-code", redirect_uri: REDIRECT_URI },
    { secret },
  );
  const { error } = (await res.json()) as { error: string };
  expect(["invalid_grant", "invalid_client"]).toContain(error);
  return error === "invalid_grant";
}

describe("admin API clients: CRUD", () => {
  it("creates, reads, lists, updates and deletes a client; each change audited with the admin actor", async () => {
    const created = await createClient({ token_endpoint_auth_method: "client_secret_post" });
    expect(created.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const got = await adminCall("GET", `/clients/${created.client_id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      client_id: created.client_id,
      client_name: "Admin RP",
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "client_secret_post",
      previous_secret_expires_at: null,
    });
    expect(JSON.stringify(got.body)).not.toContain(created.client_secret as string);

    const patched = await adminCall("PATCH", `/clients/${created.client_id}`, {
      client_name: "Renamed RP",
      redirect_uris: [REDIRECT_URI, "https://rp.example/other"],
      token_endpoint_auth_method: "client_secret_basic",
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      client_name: "Renamed RP",
      redirect_uris: [REDIRECT_URI, "https://rp.example/other"],
      token_endpoint_auth_method: "client_secret_basic",
      first_party: true,
    });
    // null removes an optional field: the consent page shows the client id again.
    const unnamed = await adminCall("PATCH", `/clients/${created.client_id}`, { client_name: null });
    expect(unnamed.body).not.toHaveProperty("client_name");

    expect((await adminCall("DELETE", `/clients/${created.client_id}`)).status).toBe(204);
    expect((await adminCall("GET", `/clients/${created.client_id}`)).status).toBe(404);
    expect((await adminCall("DELETE", `/clients/${created.client_id}`)).status).toBe(404);
    expect((await adminCall("PATCH", `/clients/${created.client_id}`, { client_name: "x" })).status).toBe(404);

    const events = await clientEvents(created.client_id, 4);
    expect(events.filter((e) => e.type.startsWith("client."))).toEqual([
      { type: "client.registered", actor: "admin:token" },
      { type: "client.updated", actor: "admin:token" },
      { type: "client.updated", actor: "admin:token" },
      { type: "client.deleted", actor: "admin:token" },
    ]);
  });

  it("lists newest first with a cursor that new registrations do not shift", async () => {
    const a = await createClient({ client_name: "List A" });
    const b = await createClient({ client_name: "List B" });
    const first = await adminCall("GET", "/clients?limit=1");
    const page1 = first.body as { data: { client_id: string }[]; next_cursor: string };
    expect(page1.data.map((c) => c.client_id)).toEqual([b.client_id]);
    await createClient({ client_name: "List C" });
    const second = await adminCall("GET", `/clients?limit=1&cursor=${page1.next_cursor}`);
    expect((second.body as { data: { client_id: string }[] }).data.map((c) => c.client_id)).toEqual([a.client_id]);
  });

  it("answers creation exactly as POST /register does for the same metadata", async () => {
    const metadata = {
      redirect_uris: ["https://same.example/cb"],
      client_name: "Same",
      post_logout_redirect_uris: ["https://same.example/bye"],
      application_type: "web",
      id_token_signed_response_alg: "ES256",
    };
    const viaAdmin = await adminCall("POST", "/clients", metadata);
    const viaRegister = await SELF.fetch("http://localhost:8787/register", {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify(metadata),
    });
    expect(viaRegister.status).toBe(201);
    const registered = (await viaRegister.json()) as Record<string, unknown>;
    const unique = ({ client_id, client_secret, client_id_issued_at, ...rest }: Record<string, unknown>) => rest;
    expect(unique(viaAdmin.body as Record<string, unknown>)).toEqual(unique(registered));
    expect(Object.keys(viaAdmin.body as object).sort()).toEqual(Object.keys(registered).sort());
    // /register records its registration too, with the admin token as actor.
    const events = await clientEvents(registered.client_id as string, 1);
    expect(events[0]).toEqual({ type: "client.registered", actor: "admin:token" });
  });

  it("refuses invalid metadata with problem details naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ redirect_uris: ["http://evil.example/cb"] }, "/redirect_uris"],
      [{ redirect_uris: ["https://ok.example/cb#frag"] }, "/redirect_uris"],
      [{ redirect_uris: [REDIRECT_URI], logo_uri: "http://logo.example/x.png" }, "/logo_uri"],
      [{ redirect_uris: [REDIRECT_URI], client_name: "bad\u202ename" }, "/client_name"],
      [{ redirect_uris: [REDIRECT_URI], grant_types: ["refresh_token"] }, "/grant_types"],
      [{ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "private_key_jwt" }, "/jwks"],
      [{ client_name: "no redirect" }, "/redirect_uris"],
    ];
    for (const [body, pointer] of cases) {
      const res = await adminCall("POST", "/clients", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((res.body as { errors: { pointer: string }[] }).errors[0]!.pointer, JSON.stringify(body)).toBe(pointer);
    }
    const client = await createClient();
    const patch = await adminCall("PATCH", `/clients/${client.client_id}`, { redirect_uris: ["javascript:alert(1)"] });
    expect(patch.status).toBe(422);
    expect((patch.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe("/redirect_uris");
    // Public ↔ confidential changes whether a secret exists: refused, naming the field.
    const toPublic = await adminCall("PATCH", `/clients/${client.client_id}`, { token_endpoint_auth_method: "none" });
    expect(toPublic.status).toBe(422);
    expect((toPublic.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe("/token_endpoint_auth_method");
    // Nothing was half-written.
    expect((await adminCall("GET", `/clients/${client.client_id}`)).body).toMatchObject({
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "client_secret_basic",
    });
  });
});

describe("admin API clients: secret rotation", () => {
  it("the new secret gets tokens; the old one works during the grace period and is refused after it", async () => {
    const client = await createClient();
    const oldSecret = client.client_secret as string;
    const before = Date.now();
    const res = await adminCall("POST", `/clients/${client.client_id}/rotate-secret`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const rotated = res.body as { client_secret: string; previous_secret_expires_at: string };
    expect(rotated.client_secret).not.toBe(oldSecret);
    const expiresAt = Date.parse(rotated.previous_secret_expires_at);
    // The documented grace period: 24 hours.
    expect(expiresAt - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);

    const renewed: TestClient = { ...client, client_secret: rotated.client_secret };
    await consentTo(browser, renewed);
    await signInTokens(browser, renewed, { scope: "openid" });
    expect(await secretAccepted(client, oldSecret)).toBe(true);
    expect(await secretAccepted(client, "not-the-secret")).toBe(false);

    // The grace period ends (its end written in the past): the old secret is refused, the new one still works.
    await env.DB.prepare("UPDATE clients SET previous_secret_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, client.client_id)
      .run();
    clearClientCache();
    expect(await secretAccepted(client, oldSecret)).toBe(false);
    expect(await secretAccepted(client, rotated.client_secret)).toBe(true);

    // A second rotation drops the first secret at once and puts the second in the grace slot.
    const again = (await adminCall("POST", `/clients/${client.client_id}/rotate-secret`)).body as {
      client_secret: string;
    };
    expect(await secretAccepted(client, again.client_secret)).toBe(true);
    expect(await secretAccepted(client, rotated.client_secret)).toBe(true);
    expect(await secretAccepted(client, oldSecret)).toBe(false);
    const events = await clientEvents(client.client_id, 3);
    expect(events.filter((e) => e.type === "client.secret_rotated")).toHaveLength(2);
  });

  it("a public client has no secret to rotate: 409 problem; an unknown client: 404", async () => {
    const client = await createClient({ token_endpoint_auth_method: "none" });
    const res = await adminCall("POST", `/clients/${client.client_id}/rotate-secret`);
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((res.body as { type: string }).type).toBe("urn:latchkey:problem:public-client");
    expect((await adminCall("POST", "/clients/no-such-client/rotate-secret")).status).toBe(404);
  });
});

describe("admin API clients: delete", () => {
  it("a deleted client's refresh tokens are refused (invalid_client), and new codes cannot be exchanged", async () => {
    const client = await createClient({ token_endpoint_auth_method: "none" });
    await consentTo(browser, client);
    const { tokens } = await signInTokens(browser, client, { scope: "openid offline_access" });
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect((await adminCall("DELETE", `/clients/${client.client_id}`)).status).toBe(204);
    const res = await refresh(client, refreshed.refresh_token!);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_client");
  });

  it("without a valid token: 401 and no data on every client route", async () => {
    const client = await createClient();
    const calls: [string, string, unknown?][] = [
      ["GET", "/clients"],
      ["POST", "/clients", { redirect_uris: [REDIRECT_URI] }],
      ["GET", `/clients/${client.client_id}`],
      ["PATCH", `/clients/${client.client_id}`, { client_name: "x" }],
      ["DELETE", `/clients/${client.client_id}`],
      ["POST", `/clients/${client.client_id}/rotate-secret`],
    ];
    for (const [method, path, body] of calls) {
      const res = await adminCall(method, path, body, "wrong-token-0123456789");
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain(client.client_id);
    }
    expect((await adminCall("GET", `/clients/${client.client_id}`)).status).toBe(200);
  });
});
