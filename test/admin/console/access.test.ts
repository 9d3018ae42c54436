/**
 * Who reaches the admin console, and its one action on another user's sessions: signed out → the sign-in page with a
 * return; signed in without the role → 403; the role is read per request (granted or revoked, at once); a disabled
 * admin is refused; forms without this browser's CSRF token are refused; the admin API gets neither session nor cookie.
 */
import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../../../src/db/client";
import { auditEvents, users } from "../../../src/db/schema";
import { findUserByEmail } from "../../../src/db/users";
import { sessionAlive, signUp } from "../../helpers/accounts";
import { TestBrowser } from "../../helpers/browser";

const HTML = { accept: "text/html" };

async function idOf(email: string): Promise<string> {
  const user = await findUserByEmail(env.DB, email);
  if (!user) throw new Error(`no user ${email}`);
  return user.id;
}

async function setRoles(id: string, roles: string[]): Promise<void> {
  await db(env.DB)
    .update(users)
    .set({ roles: JSON.stringify(roles) })
    .where(eq(users.id, id))
    .run();
}

async function newAdmin(): Promise<{ browser: TestBrowser; id: string }> {
  const { browser, email } = await signUp();
  const id = await idOf(email);
  await setRoles(id, ["admin"]);
  return { browser, id };
}

describe("admin console access", () => {
  it("sends a signed-out browser to the sign-in page, returning to the page it asked for", async () => {
    const res = await new TestBrowser().fetch("/admin/users?email=a", { headers: HTML });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/signin?return_to=${encodeURIComponent("/admin/users?email=a")}`);
  });

  it("answers 403 to a user without the admin role, and reads the role on every request", async () => {
    const { browser, email } = await signUp();
    const forbidden = await browser.fetch("/admin/users", { headers: HTML });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).toContain("No access to the admin console");
    const id = await idOf(email);
    await setRoles(id, ["support", "admin"]);
    expect((await browser.fetch("/admin/users", { headers: HTML })).status).toBe(200);
    await setRoles(id, ["support"]);
    expect((await browser.fetch("/admin/users", { headers: HTML })).status).toBe(403);
  });

  it("refuses a disabled admin", async () => {
    const { browser, id } = await newAdmin();
    await db(env.DB).update(users).set({ disabledAt: Date.now() }).where(eq(users.id, id)).run();
    expect((await browser.fetch("/admin", { headers: HTML })).status).toBe(403);
  });

  it("serves pages with the CSP of the sign-in pages and a CSRF token", async () => {
    const { browser } = await newAdmin();
    const res = await browser.fetch("/admin/users", { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.text()).toMatch(/<meta name="csrf-token" content="[^"]+"/);
  });

  it("the admin API is not a browser path: no session read, no binding cookie set", async () => {
    const { browser } = await newAdmin();
    const res = await browser.fetch("/admin/api/users");
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

describe("ending a user's sessions from the console", () => {
  it("ends every session of the user at once and records session.ended with the admin as actor", async () => {
    const { browser: admin, id: adminId } = await newAdmin();
    const { browser: target, email } = await signUp();
    const targetId = await idOf(email);
    const cookie = target.sessionCookie!;
    expect(await sessionAlive(cookie)).toBe(true);
    const page = await (await admin.fetch(`/admin/users/${targetId}`, { headers: HTML })).text();
    expect(page).toContain("End all sessions");
    const res = await admin.fetch(`/admin/users/${targetId}/sessions/end`, { form: { csrf: await admin.csrf() } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/admin/users/${targetId}?done=sessions-ended`);
    expect(await sessionAlive(cookie)).toBe(false);
    // Recorded in waitUntil: poll briefly.
    let rows: (typeof auditEvents.$inferSelect)[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      rows = await db(env.DB)
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.userId, targetId), eq(auditEvents.type, "session.ended")))
        .all();
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]!.actor).toBe(`admin:${adminId}`);
  });

  it("refuses a form without this browser's CSRF token, and a cross-site post, ending nothing", async () => {
    const { browser: admin } = await newAdmin();
    const { browser: target, email } = await signUp();
    const targetId = await idOf(email);
    const path = `/admin/users/${targetId}/sessions/end`;
    expect((await admin.fetch(path, { form: { csrf: "forged" } })).status).toBe(403);
    const crossSite = await admin.fetch(path, {
      form: { csrf: await admin.csrf() },
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect(await sessionAlive(target.sessionCookie!)).toBe(true);
  });

  it("deletes a user only after the confirmation step", async () => {
    const { browser: admin } = await newAdmin();
    const { email } = await signUp();
    const targetId = await idOf(email);
    const csrf = await admin.csrf();
    const unconfirmed = await admin.fetch(`/admin/users/${targetId}/delete`, { form: { csrf } });
    expect(unconfirmed.status).toBe(409);
    expect(await findUserByEmail(env.DB, email)).not.toBeNull();
    const confirmed = await admin.fetch(`/admin/users/${targetId}/delete`, { form: { csrf, confirm: "yes" } });
    expect(confirmed.status).toBe(303);
    expect(await findUserByEmail(env.DB, email)).toBeNull();
    expect((await admin.fetch(`/admin/users/${targetId}`, { headers: HTML })).status).toBe(404);
  });
});
