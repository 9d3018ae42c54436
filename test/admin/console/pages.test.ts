/**
 * Console pages over the admin model: the audit log's filters (checked before any query), a user's recent events, and
 * clients registered and rotated from forms, exactly as registration validates them, the secret shown once.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../../../src/db/client";
import { clients, users } from "../../../src/db/schema";
import { findUserByEmail } from "../../../src/db/users";
import { sha256b64url } from "../../../src/lib/crypto";
import { sessionAlive, signUp } from "../../helpers/accounts";
import type { TestBrowser } from "../../helpers/browser";

const HTML = { accept: "text/html" };

async function newAdmin(): Promise<{ browser: TestBrowser; id: string }> {
  const { browser, email } = await signUp();
  const user = await findUserByEmail(env.DB, email);
  await db(env.DB).update(users).set({ roles: '["admin"]' }).where(eq(users.id, user!.id)).run();
  return { browser, id: user!.id };
}

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("condition not met within 1 s");
}

describe("audit log page", () => {
  it("refuses a filter that cannot be one, with a 400 page naming it", async () => {
    const { browser } = await newAdmin();
    for (const [query, named] of [
      ["type=no.such_type", '"type"'],
      ["since=yesterday", '"since"'],
      ["until=2026-13-45T99:99", '"until"'],
      ["user_id=not%20an%20id", '"user_id"'],
      ["cursor=not-a-cursor", "cursor"],
    ] as const) {
      const res = await browser.fetch(`/admin/events?${query}`, { headers: HTML });
      expect(res.status, query).toBe(400);
      expect((await res.text()).replaceAll("&quot;", '"'), query).toContain(named);
    }
  });

  it("filters by user and type, and the user's page lists their recent events", async () => {
    const { browser, id: adminId } = await newAdmin();
    const { email } = await signUp();
    const target = (await findUserByEmail(env.DB, email))!.id;
    const ended = await browser.fetch(`/admin/users/${target}/sessions/end`, { form: { csrf: await browser.csrf() } });
    expect(ended.status).toBe(303);
    await eventually(async () => {
      const page = await browser.fetch(`/admin/events?type=session.ended&user_id=${target}`, { headers: HTML });
      return (await page.text()).includes(`admin:${adminId}`);
    });
    const other = await browser.fetch(`/admin/events?type=client.registered&user_id=${target}`, { headers: HTML });
    expect(await other.text()).toContain("No events match.");
    const userPage = await (await browser.fetch(`/admin/users/${target}`, { headers: HTML })).text();
    expect(userPage).toContain("Recent events");
    expect(userPage).toContain("session.ended");
  });
});

describe("clients page", () => {
  it("registers a client from the form and shows its secret once; only the hash is stored", async () => {
    const { browser } = await newAdmin();
    const res = await browser.fetch("/admin/clients", {
      form: {
        csrf: await browser.csrf(),
        client_name: "Form app",
        redirect_uris: "https://form.example/cb\r\nhttps://form.example/cb2",
        token_endpoint_auth_method: "client_secret_post",
      },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    const secret = /<dd class="secret">([A-Za-z0-9_-]+)<\/dd>/.exec(html)?.[1];
    const clientId = /<dd><code>([^<]+)<\/code><\/dd>/.exec(html)?.[1];
    expect(secret).toBeDefined();
    const row = await db(env.DB).select().from(clients).where(eq(clients.id, clientId!)).get();
    expect(row?.secretHash).toBe(await sha256b64url(secret!));
    expect(JSON.parse(row!.redirectUris)).toEqual(["https://form.example/cb", "https://form.example/cb2"]);
    const list = await (await browser.fetch("/admin/clients", { headers: HTML })).text();
    expect(list).toContain(clientId);
    expect(list).not.toContain(secret);
  });

  it("registers a machine-to-machine client (client_credentials) without redirect URIs", async () => {
    const { browser } = await newAdmin();
    const res = await browser.fetch("/admin/clients", {
      form: {
        csrf: await browser.csrf(),
        client_name: "Nightly export",
        kind: "machine",
        redirect_uris: "",
        token_endpoint_auth_method: "client_secret_basic",
      },
    });
    expect(res.status).toBe(200);
    const clientId = /<dd><code>([^<]+)<\/code><\/dd>/.exec(await res.text())?.[1];
    const row = await db(env.DB).select().from(clients).where(eq(clients.id, clientId!)).get();
    expect(JSON.parse(row!.grantTypes)).toEqual(["client_credentials"]);
    expect(JSON.parse(row!.redirectUris)).toEqual([]);
  });

  it("refuses metadata registration would refuse, with the reason, creating nothing", async () => {
    const { browser } = await newAdmin();
    const before = (await db(env.DB).select().from(clients).all()).length;
    const res = await browser.fetch("/admin/clients", {
      form: {
        csrf: await browser.csrf(),
        client_name: "Bad app",
        redirect_uris: "http://bad.example/cb",
        token_endpoint_auth_method: "client_secret_basic",
      },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect((await db(env.DB).select().from(clients).all()).length).toBe(before);
  });

  it("rotates a confidential client's secret: a new one shown once, the old one in its grace slot", async () => {
    const { browser } = await newAdmin();
    const csrf = await browser.csrf();
    const created = await (
      await browser.fetch("/admin/clients", {
        form: {
          csrf,
          client_name: "Rotating app",
          redirect_uris: "https://rot.example/cb",
          token_endpoint_auth_method: "client_secret_basic",
        },
      })
    ).text();
    const clientId = /<dd><code>([^<]+)<\/code><\/dd>/.exec(created)![1]!;
    const first = /<dd class="secret">([A-Za-z0-9_-]+)<\/dd>/.exec(created)![1]!;
    const res = await browser.fetch(`/admin/clients/${clientId}/rotate-secret`, { form: { csrf } });
    expect(res.status).toBe(200);
    const second = /<dd class="secret">([A-Za-z0-9_-]+)<\/dd>/.exec(await res.text())![1]!;
    expect(second).not.toBe(first);
    const row = await db(env.DB).select().from(clients).where(eq(clients.id, clientId)).get();
    expect(row?.secretHash).toBe(await sha256b64url(second));
    expect(row?.previousSecretHash).toBe(await sha256b64url(first));
  });
});

describe("a user's page actions", () => {
  it("disables a user (their session ends at once) and enables them again", async () => {
    const { browser } = await newAdmin();
    const { browser: target, email } = await signUp();
    const id = (await findUserByEmail(env.DB, email))!.id;
    const csrf = await browser.csrf();
    const disabled = await browser.fetch(`/admin/users/${id}/disable`, { form: { csrf } });
    expect(disabled.headers.get("location")).toBe(`/admin/users/${id}?done=disabled`);
    expect((await findUserByEmail(env.DB, email))!.disabledAt).not.toBeNull();
    expect(await sessionAlive(target.sessionCookie!)).toBe(false);
    const page = await (await browser.fetch(`/admin/users/${id}`, { headers: HTML })).text();
    expect(page).toContain("Enable user");
    const enabled = await browser.fetch(`/admin/users/${id}/enable`, { form: { csrf } });
    expect(enabled.headers.get("location")).toBe(`/admin/users/${id}?done=enabled`);
    expect((await findUserByEmail(env.DB, email))!.disabledAt).toBeNull();
  });

  it("ends one session by its id and says so when it has already ended", async () => {
    const { browser } = await newAdmin();
    const { browser: target, email } = await signUp();
    const id = (await findUserByEmail(env.DB, email))!.id;
    const page = await (await browser.fetch(`/admin/users/${id}`, { headers: HTML })).text();
    const sid = /name="sid" value="([^"]+)"/.exec(page)![1]!;
    const csrf = await browser.csrf();
    const res = await browser.fetch(`/admin/users/${id}/sessions/end`, { form: { csrf, sid } });
    expect(res.headers.get("location")).toBe(`/admin/users/${id}?done=session-ended`);
    expect(await sessionAlive(target.sessionCookie!)).toBe(false);
    const again = await browser.fetch(`/admin/users/${id}/sessions/end`, { form: { csrf, sid } });
    expect(again.status).toBe(404);
  });
});

describe("console audit", () => {
  it("records every console form in the audit log as admin.request with the admin as actor", async () => {
    const { browser, id } = await newAdmin();
    const { email } = await signUp();
    const target = (await findUserByEmail(env.DB, email))!.id;
    await browser.fetch(`/admin/users/${target}/disable`, { form: { csrf: await browser.csrf() } });
    await eventually(async () => {
      const page = await browser.fetch("/admin/events?type=admin.request", { headers: HTML });
      const text = await page.text();
      return text.includes(`admin:${id}`) && text.includes(`/admin/users/${target}/disable`);
    });
  });
});

describe("webhooks pages", () => {
  it("adds an endpoint from the form (secret shown once) and lists it with its deliveries page", async () => {
    const { browser } = await newAdmin();
    const res = await browser.fetch("/admin/webhooks", {
      form: {
        csrf: await browser.csrf(),
        url: "https://hooks.example/latchkey",
        description: "CRM sync",
        "event:user.created": "on",
        "event:session.ended": "on",
      },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    const secret = /<dd class="secret">(whsec_[^<]+)<\/dd>/.exec(html)?.[1];
    expect(secret).toBeDefined();
    const list = await (await browser.fetch("/admin/webhooks", { headers: HTML })).text();
    expect(list).toContain("https://hooks.example/latchkey");
    expect(list).not.toContain(secret);
    const id = /href="\/admin\/webhooks\/([^"]+)"/.exec(list)![1]!;
    const page = await browser.fetch(`/admin/webhooks/${id}`, { headers: HTML });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("user.created, session.ended");
  });

  it("refuses an endpoint without events or with a URL the policy refuses, with the reason", async () => {
    const { browser } = await newAdmin();
    const csrf = await browser.csrf();
    const none = await browser.fetch("/admin/webhooks", { form: { csrf, url: "https://hooks.example/x" } });
    expect(none.status).toBe(400);
    const http = await browser.fetch("/admin/webhooks", {
      form: { csrf, url: "ftp://hooks.example/x", "event:user.created": "on" },
    });
    expect(http.status).toBe(422);
  });
});

describe("connections page", () => {
  it("adds a preset connection from the form (the secret never shown again), disables it and deletes it", async () => {
    const { browser } = await newAdmin();
    const csrf = await browser.csrf();
    const id = `gh-${crypto.randomUUID().slice(0, 8)}`;
    const res = await browser.fetch("/admin/connections", {
      form: { csrf, id, display_name: "GitHub", preset: "github", client_id: "Iv1.x", client_secret: "gh-secret-1" },
    });
    expect(res.status).toBe(303);
    const list = await (await browser.fetch("/admin/connections?done=created", { headers: HTML })).text();
    expect(list).toContain("Connection added.");
    expect(list).toContain(id);
    expect(list).toContain("https://github.com");
    expect(list).not.toContain("gh-secret-1");
    const off = await browser.fetch(`/admin/connections/${id}/enabled`, { form: { csrf, enabled: "false" } });
    expect(off.status).toBe(303);
    const row = await env.DB.prepare("SELECT enabled FROM connections WHERE id = ?")
      .bind(id)
      .first<{ enabled: number }>();
    expect(row?.enabled).toBe(0);
    expect((await browser.fetch(`/admin/connections/${id}/delete`, { form: { csrf } })).status).toBe(303);
    expect(await env.DB.prepare("SELECT id FROM connections WHERE id = ?").bind(id).first()).toBeNull();
  });

  it("refuses a form that could not work, with each field's reason, and writes nothing", async () => {
    const { browser } = await newAdmin();
    const csrf = await browser.csrf();
    const id = `bad-${crypto.randomUUID().slice(0, 8)}`;
    const res = await browser.fetch("/admin/connections", {
      form: { csrf, id, display_name: "Bad", issuer: "http://idp.example", client_id: "c", client_secret: "s" },
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("must be an https URL");
    expect(await env.DB.prepare("SELECT id FROM connections WHERE id = ?").bind(id).first()).toBeNull();
  });
});
