/**
 * Admin API connections (federation): presets fill what each provider needs, a generic OpenID Provider needs an
 * https issuer and the openid scope, the client secret is write-only and sealed at rest, every change is audited.
 * Answers checked against the OpenAPI document.
 */
import { env } from "cloudflare:test";
import { exportPKCS8, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../../src/config";
import { decryptString } from "../../../src/keys/crypto-box";
import { adminCall } from "../../helpers/admin-api";
import { waitForEvents } from "../../helpers/audit";

let n = 0;
const slug = (tag: string) => `${tag}-${++n}-${crypto.randomUUID().slice(0, 6)}`;

interface Connection {
  id: string;
  type: string;
  preset: string | null;
  issuer: string;
  scopes: string[];
  has_client_secret: boolean;
  trust_email_verified: boolean;
  enabled: boolean;
}

function pointers(res: { body: unknown }): string[] {
  return ((res.body as { errors?: { pointer?: string }[] }).errors ?? []).map((e) => e.pointer ?? "");
}

describe("admin API connections", () => {
  it("creates a preset connection with its defaults, keeps the secret sealed and never returns it", async () => {
    const id = slug("google");
    const res = await adminCall("POST", "/connections", {
      id,
      display_name: "Google",
      preset: "google",
      client_id: "123.apps.googleusercontent.com",
      client_secret: "GOCSPX-secret-value",
      trust_email_verified: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      id,
      type: "oidc",
      preset: "google",
      issuer: "https://accounts.google.com",
      scopes: ["openid", "email", "profile"],
      has_client_secret: true,
      enabled: true,
    });
    expect(JSON.stringify(res.body)).not.toContain("GOCSPX");
    const row = await env.DB.prepare("SELECT client_secret_enc FROM connections WHERE id = ?")
      .bind(id)
      .first<{ client_secret_enc: string }>();
    expect(row!.client_secret_enc).not.toContain("GOCSPX");
    const secret = getConfig(env).keyEncryptionSecret;
    expect(await decryptString(secret, row!.client_secret_enc, id, "connection-secret")).toBe("GOCSPX-secret-value");
    // Sealed to its row: under another id it does not open.
    await expect(decryptString(secret, row!.client_secret_enc, "other", "connection-secret")).rejects.toThrow();
  });

  it("reads, lists, updates (a new secret shows in the log as a field name only) and deletes, audited", async () => {
    const id = slug("idp");
    const created = await adminCall("POST", "/connections", {
      id,
      display_name: "Acme SSO",
      issuer: "https://sso.acme.example/realms/main",
      client_id: "latchkey",
      client_secret: "first-secret",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await adminCall("GET", `/connections/${id}`)).body).toMatchObject({ id, trust_email_verified: false });
    const list = (await adminCall("GET", "/connections")).body as { data: Connection[] };
    expect(list.data.map((c) => c.id)).toContain(id);
    const patched = await adminCall("PATCH", `/connections/${id}`, {
      enabled: false,
      client_secret: "second-secret",
      scopes: ["openid", "email"],
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, scopes: ["openid", "email"], has_client_secret: true });
    expect((await adminCall("DELETE", `/connections/${id}`)).status).toBe(204);
    expect((await adminCall("GET", `/connections/${id}`)).status).toBe(404);
    expect((await adminCall("DELETE", `/connections/${id}`)).status).toBe(404);
    const rows = await waitForEvents({ detailContains: id }, [
      "connection.created",
      "connection.updated",
      "connection.deleted",
    ]);
    const updated = rows.find((r) => r.type === "connection.updated")!;
    expect([...(updated.detail.fields as string[])].sort()).toEqual(["client_secret", "enabled", "scopes"]);
    expect(JSON.stringify(rows)).not.toContain("second-secret");
    expect(rows.every((r) => r.actor === "admin:token")).toBe(true);
  });

  it("refuses what could not work, naming each field: 422 problem details", async () => {
    const bad = await adminCall("POST", "/connections", {
      id: slug("bad"),
      display_name: "Bad",
      issuer: "http://idp.example/?x=1",
      client_id: "c",
      scopes: ["email"],
    });
    expect(bad.status).toBe(422);
    expect(pointers(bad).sort()).toEqual(["/client_secret", "/issuer", "/scopes"]);
    const oauth2 = await adminCall("POST", "/connections", {
      id: slug("oauth"),
      display_name: "Some OAuth",
      type: "oauth2",
      issuer: "https://oauth.example",
      client_id: "c",
      client_secret: "s",
    });
    expect(oauth2.status).toBe(422);
    expect(pointers(oauth2)).toEqual(["/type"]);
    const noIssuer = await adminCall("POST", "/connections", {
      id: slug("x"),
      display_name: "X",
      client_id: "c",
      client_secret: "s",
    });
    expect(pointers(noIssuer)).toEqual(["/issuer"]);
    const wrongType = await adminCall("POST", "/connections", {
      id: slug("gh"),
      display_name: "GitHub",
      preset: "github",
      type: "oidc",
      client_id: "c",
      client_secret: "s",
    });
    expect(pointers(wrongType)).toEqual(["/type"]);
    for (const body of [
      { id: "Not A Slug", display_name: "X", issuer: "https://a.example", client_id: "c", client_secret: "s" },
      { id: slug("x"), display_name: "", issuer: "https://a.example", client_id: "c", client_secret: "s" },
      { id: slug("x"), display_name: "X", issuer: "https://a.example", client_id: "c", client_secret: "s", extra: 1 },
      { id: slug("x"), display_name: "X", issuer: 7, client_id: "c", client_secret: "s" },
    ]) {
      expect((await adminCall("POST", "/connections", body)).status, JSON.stringify(body)).toBe(422);
    }
    const entra = await adminCall("POST", "/connections", {
      id: slug("entra"),
      display_name: "Microsoft",
      preset: "microsoft",
      client_id: "c",
      client_secret: "s",
      trust_email_verified: true,
    });
    expect(pointers(entra)).toEqual(["/trust_email_verified"]);
    // The id, type and preset cannot change (another one is another connection).
    const id = slug("fixed");
    await adminCall("POST", "/connections", {
      id,
      display_name: "F",
      preset: "github",
      client_id: "c",
      client_secret: "s",
    });
    expect((await adminCall("PATCH", `/connections/${id}`, { preset: "google" })).status).toBe(422);
    expect((await adminCall("PATCH", "/connections/no-such-one", { enabled: true })).status).toBe(404);
    expect((await adminCall("GET", "/connections/NOT_A_SLUG")).status).toBe(404);
  });

  it("refuses a taken id with 409 and keeps the first connection", async () => {
    const id = slug("twice");
    const body = { id, display_name: "One", preset: "github", client_id: "c", client_secret: "s" };
    expect((await adminCall("POST", "/connections", body)).status).toBe(201);
    const again = await adminCall("POST", "/connections", { ...body, display_name: "Two" });
    expect(again.status).toBe(409);
    expect((await adminCall("GET", `/connections/${id}`)).body).toMatchObject({ display_name: "One" });
  });

  it("GitHub is OAuth 2.0 at its origin; Apple needs its team, key id and a P-256 PKCS #8 key", async () => {
    const gh = await adminCall("POST", "/connections", {
      id: slug("ghes"),
      display_name: "GitHub Enterprise",
      preset: "github",
      issuer: "https://git.example.com/",
      client_id: "Iv1.abc",
      client_secret: "s",
    });
    expect(gh.body).toMatchObject({
      type: "oauth2",
      issuer: "https://git.example.com",
      scopes: ["read:user", "user:email"],
    });
    const apple = { id: slug("apple"), display_name: "Apple", preset: "apple", client_id: "com.example.web" };
    const missing = await adminCall("POST", "/connections", { ...apple, client_secret: "not a key" });
    expect(pointers(missing).sort()).toEqual(["/apple_key_id", "/apple_team_id", "/client_secret"]);
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const ok = await adminCall("POST", "/connections", {
      ...apple,
      client_secret: pem,
      apple_team_id: "ABCDE12345",
      apple_key_id: "KEY1234567",
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ issuer: "https://appleid.apple.com", scopes: ["openid", "email", "name"] });
  });

  it("answers nothing without the admin bearer", async () => {
    expect((await adminCall("GET", "/connections", undefined, null)).status).toBe(401);
    expect((await adminCall("POST", "/connections", { id: slug("x") }, null)).status).toBe(401);
  });
});
