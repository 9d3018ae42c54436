/** Admin API: creating, updating and deleting users, and their passkeys and sessions; every answer conformant. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findUserById, upsertVerifiedUser } from "../../../src/db/users";
import {
  passkeySignIn,
  redeemLink,
  sessionAlive,
  signUp,
  storedLinkFor,
  uniqueEmail,
  userWithPasskey,
} from "../../helpers/accounts";
import { adminCall } from "../../helpers/admin-api";
import { waitForEvents } from "../../helpers/audit-events";
import { ORIGIN, TestBrowser } from "../../helpers/browser";
import { extractLink, listMail, waitForMail } from "../../helpers/mailbox";
import { userIdOf } from "../../helpers/oidc-client";

type UserBody = { id: string; email: string; email_verified: boolean; name: string | null; roles: string[] };

describe("POST /admin/api/users", () => {
  it("creates an unverified user with the address normalized as sign-in does; the same address again is 409", async () => {
    const local = uniqueEmail("create").split("@")[0]!;
    const res = await adminCall("POST", "/users", { email: `  ${local.toUpperCase()}@Example.TEST `, name: "Ada" });
    expect(res.status).toBe(201);
    const user = res.body as UserBody;
    expect(user).toMatchObject({ email: `${local}@example.test`, email_verified: false, name: "Ada", roles: [] });
    expect(res.headers.get("location")).toBe(`/admin/api/users/${user.id}`);
    const again = await adminCall("POST", "/users", { email: `${local}@EXAMPLE.test` });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    const created = await waitForEvents("user.created", user.id);
    expect(created).toHaveLength(1);
    expect(created[0]!.actor).toBe("admin:token");
    expect(created[0]!.detail).not.toContain("@");
  });

  it("refuses a malformed address, unknown fields and bad roles with the invalid fields named", async () => {
    const bad = await adminCall("POST", "/users", { email: "not an address" });
    expect(bad.status).toBe(422);
    expect((bad.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe("/email");
    for (const body of [{ email: uniqueEmail(), extra: 1 }, { email: uniqueEmail(), roles: ["Admin!"] }, {}]) {
      const res = await adminCall("POST", "/users", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
  });

  it("send_invite mails a sign-in link that signs the new user in and verifies the address", async () => {
    const email = uniqueEmail("invite");
    const res = await adminCall("POST", "/users", { email, roles: ["admin"], send_invite: true });
    expect(res.status).toBe(201);
    const user = res.body as UserBody;
    expect(user.roles).toEqual(["admin"]);
    const mail = await waitForMail(email);
    const token = new URL(extractLink(mail.text, `${ORIGIN}/auth/link`)).searchParams.get("token")!;
    const browser = new TestBrowser();
    expect((await redeemLink(browser, token)).status).toBe(303);
    expect(userIdOf(browser)).toBe(user.id);
    expect((await findUserById(env.DB, user.id))!.emailVerifiedAt).not.toBeNull();
  });
});

describe("PATCH /admin/api/users/{id}", () => {
  it("changes name and roles; a new email is unverified until a link mailed to it is used", async () => {
    const user = await upsertVerifiedUser(env.DB, uniqueEmail("patch"), Date.now());
    const named = await adminCall("PATCH", `/users/${user.id}`, {
      name: "Grace",
      roles: ["admin", "admin", "support"],
    });
    expect(named.body).toMatchObject({ name: "Grace", roles: ["admin", "support"], email_verified: true });
    const updated = await waitForEvents("user.updated", user.id);
    expect(JSON.parse(updated[0]!.detail)).toEqual({ fields: ["name", "roles"] });

    // A link mailed to the old address before the change.
    const oldLinkBrowser = new TestBrowser();
    const oldLink = await storedLinkFor(oldLinkBrowser, user.email, user.id);
    const newEmail = uniqueEmail("moved");
    const moved = await adminCall("PATCH", `/users/${user.id}`, { email: newEmail.toUpperCase() });
    expect(moved.body).toMatchObject({ email: newEmail, email_verified: false });
    // A link asked for at the new address verifies it.
    const browser = new TestBrowser();
    const ask = await browser.postJson("/auth/email", { email: newEmail });
    expect(ask.status).toBe(202);
    const token = new URL(extractLink((await waitForMail(newEmail)).text, `${ORIGIN}/auth/link`)).searchParams.get(
      "token",
    )!;
    expect((await redeemLink(browser, token)).status).toBe(303);
    expect(((await adminCall("GET", `/users/${user.id}`)).body as UserBody).email_verified).toBe(true);
    // The old address's link proves nothing about the account any more.
    expect((await redeemLink(oldLinkBrowser, oldLink)).status).toBe(400);
    expect(oldLinkBrowser.sessionCookie).toBeUndefined();
  });

  it("a new address signs the account out everywhere, so no token keeps saying the old one, and the old address is told", async () => {
    const { browser, email } = await signUp();
    const id = userIdOf(browser);
    const before = (await adminCall("GET", `/users/${id}/sessions`)).body as { data: unknown[] };
    expect(before.data.length).toBeGreaterThan(0);
    const renamed = uniqueEmail("renamed");
    expect((await adminCall("PATCH", `/users/${id}`, { email: renamed })).status).toBe(200);
    expect(((await adminCall("GET", `/users/${id}/sessions`)).body as { data: unknown[] }).data).toEqual([]);
    const [ended] = await waitForEvents("session.ended", id);
    expect(JSON.parse(ended!.detail)).toMatchObject({ all: true, reason: "email_changed" });
    // The first mail was the sign-up link; the second tells the old address, with the new one masked.
    const notice = await waitForMail(email, { count: 2 });
    expect(notice.subject).toMatch(/email address of your .* account was changed/);
    expect(notice.text).toContain(`${renamed[0]}***${renamed.slice(renamed.lastIndexOf("@"))}`);
    expect(notice.text + notice.html).not.toContain(renamed);
    expect(await listMail(renamed)).toEqual([]);
  });

  it("changing only the name mails nobody", async () => {
    const { browser, email } = await signUp();
    expect((await adminCall("PATCH", `/users/${userIdOf(browser)}`, { name: "Renamed" })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await listMail(email)).length).toBe(1);
  });

  it("refuses an email another user has (409) and an unknown id (404)", async () => {
    const a = await upsertVerifiedUser(env.DB, uniqueEmail("taken-a"), Date.now());
    const b = await upsertVerifiedUser(env.DB, uniqueEmail("taken-b"), Date.now());
    expect((await adminCall("PATCH", `/users/${a.id}`, { email: b.email })).status).toBe(409);
    expect((await findUserById(env.DB, a.id))!.email).toBe(a.email);
    expect((await adminCall("PATCH", "/users/no-such-user", { name: "x" })).status).toBe(404);
  });
});

describe("DELETE /admin/api/users/{id}", () => {
  it("answers 204, then 404; the tombstone event has the actor and no address", async () => {
    const email = uniqueEmail("gone");
    const user = await upsertVerifiedUser(env.DB, email, Date.now());
    // An earlier event of the user, with where it came from.
    await env.DB.prepare(
      "INSERT INTO audit_events (id, at, type, user_id, actor, ip, country, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
      .bind(`ev-${user.id}`, Date.now(), "signin.succeeded", user.id, "user", "203.0.113.9", "NL", "UA/1")
      .run();
    const res = await adminCall("DELETE", `/users/${user.id}`);
    expect(res.status).toBe(204);
    expect((await adminCall("GET", `/users/${user.id}`)).status).toBe(404);
    expect((await adminCall("DELETE", `/users/${user.id}`)).status).toBe(404);
    const [tombstone] = await waitForEvents("user.deleted", user.id);
    expect(tombstone!.actor).toBe("admin:token");
    expect(JSON.stringify(tombstone)).not.toContain(email);
    expect(JSON.stringify(tombstone)).not.toContain("@");
    const earlier = await env.DB.prepare("SELECT ip, country, user_agent FROM audit_events WHERE id = ?")
      .bind(`ev-${user.id}`)
      .first();
    expect(earlier).toEqual({ ip: null, country: null, user_agent: null });
  });
});

describe("a user's passkeys and sessions", () => {
  it("lists passkeys; removing one ends the sessions it started", async () => {
    const { browser, auth } = await userWithPasskey();
    const id = userIdOf(browser);
    const list = await adminCall("GET", `/users/${id}/passkeys`);
    const passkeys = (list.body as { data: { id: string; backed_up: boolean; transports: string[] }[] }).data;
    expect(passkeys).toHaveLength(1);
    expect(passkeys[0]).toMatchObject({ id: auth.credentialId, backed_up: true });
    const cookie = browser.sessionCookie!;
    expect(await sessionAlive(cookie)).toBe(true);
    expect((await adminCall("DELETE", `/users/${id}/passkeys/${passkeys[0]!.id}`)).status).toBe(204);
    expect(await sessionAlive(cookie)).toBe(false);
    expect((await adminCall("DELETE", `/users/${id}/passkeys/${passkeys[0]!.id}`)).status).toBe(404);
    expect((await adminCall("GET", `/users/${id}/passkeys`)).body).toEqual({ data: [], next_cursor: null });
    const [removed] = await waitForEvents("passkey.removed", id);
    expect(JSON.parse(removed!.detail)).toMatchObject({ credential_id: passkeys[0]!.id, sessions_ended: 1 });
    expect((await adminCall("GET", "/users/no-such-user/passkeys")).status).toBe(404);
  });

  it("lists sessions, ends one, then all", async () => {
    const { browser, auth } = await userWithPasskey();
    const id = userIdOf(browser);
    const second = new TestBrowser();
    expect((await passkeySignIn(second, auth)).status).toBe(200);
    const list = await adminCall("GET", `/users/${id}/sessions`);
    const sessions = (list.body as { data: { id: string; amr: string[] }[] }).data;
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(sessions[0]!.amr.length).toBeGreaterThan(0);
    const sid = sessions[0]!.id;
    expect((await adminCall("DELETE", `/users/${id}/sessions/${sid}`)).status).toBe(204);
    expect((await adminCall("DELETE", `/users/${id}/sessions/${sid}`)).status).toBe(404);
    const left = ((await adminCall("GET", `/users/${id}/sessions`)).body as { data: unknown[] }).data;
    expect(left).toHaveLength(sessions.length - 1);
    expect((await adminCall("DELETE", `/users/${id}/sessions`)).status).toBe(204);
    expect(await sessionAlive(browser.sessionCookie!)).toBe(false);
    expect(await sessionAlive(second.sessionCookie!)).toBe(false);
    expect((await adminCall("GET", `/users/${id}/sessions`)).body).toEqual({ data: [], next_cursor: null });
    expect((await waitForEvents("session.ended", id)).length).toBeGreaterThanOrEqual(2);
  });
});
