/**
 * Connections and federated identities in local D1: one identity never links to two users, a new user always comes
 * with its identity, the last way in cannot be unlinked, and deleting a connection takes its identities with it.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  deleteConnectionRow,
  findConnectionRow,
  insertConnectionRow,
  updateConnectionRow,
} from "../../src/db/connections";
import {
  createUserWithIdentity,
  findIdentity,
  linkIdentity,
  listIdentitiesOfUser,
  unlinkIdentity,
} from "../../src/db/federated-identities";
import { upsertVerifiedUser } from "../../src/db/users";
import { rowToConnection } from "../../src/federation/connection";

const now = Date.now();
let n = 0;
async function newConnection(): Promise<string> {
  n += 1;
  const id = `idp-${n}-${crypto.randomUUID().slice(0, 8)}`;
  const inserted = await insertConnectionRow(env.DB, {
    id,
    displayName: "Test IdP",
    type: "oidc",
    issuer: "https://idp.example",
    clientId: "latchkey",
    scopes: JSON.stringify(["openid", "email"]),
    trustEmailVerified: true,
    createdAt: now,
    updatedAt: now,
  });
  expect(inserted).toBe(true);
  return id;
}
const seen = (email: string) => ({ email, emailVerified: true, name: "Ann" });
const address = () => `fed-${crypto.randomUUID().slice(0, 8)}@example.com`;

describe("connections", () => {
  it("are stored, read back as a Connection, updated, and refused a taken id", async () => {
    const id = await newConnection();
    const row = await findConnectionRow(env.DB, id);
    expect(row && rowToConnection(row)).toMatchObject({ id, type: "oidc", preset: null, scopes: ["openid", "email"] });
    expect(await insertConnectionRow(env.DB, { ...row!, displayName: "Again" })).toBe(false);
    expect((await updateConnectionRow(env.DB, id, { enabled: false, updatedAt: now + 1 }))?.enabled).toBe(false);
    expect(await updateConnectionRow(env.DB, "no-such-connection", { enabled: false })).toBeNull();
  });
});

describe("federated identities", () => {
  it("link an identity to the first user only: a second link finds the first", async () => {
    const conn = await newConnection();
    const a = await upsertVerifiedUser(env.DB, address(), now);
    const b = await upsertVerifiedUser(env.DB, address(), now);
    const link = { connectionId: conn, subject: "sub-1" };
    expect(await linkIdentity(env.DB, { ...link, userId: a.id }, seen(a.email), now)).toBe(a.id);
    expect(await linkIdentity(env.DB, { ...link, userId: b.id }, seen(b.email), now)).toBe(a.id);
    expect((await listIdentitiesOfUser(env.DB, b.id)).length).toBe(0);
  });

  it("create a user together with its identity, or neither when the address is taken", async () => {
    const conn = await newConnection();
    const email = address();
    const userId = await createUserWithIdentity(env.DB, { connectionId: conn, subject: "s" }, seen(email), now);
    expect(userId).toBeTruthy();
    expect((await findIdentity(env.DB, conn, "s"))?.userId).toBe(userId);
    const again = await createUserWithIdentity(env.DB, { connectionId: conn, subject: "t" }, seen(email), now);
    expect(again).toBeNull();
    expect(await findIdentity(env.DB, conn, "t")).toBeNull();
  });

  it("cannot unlink the last way in, but can once another exists", async () => {
    const conn = await newConnection();
    const other = await newConnection();
    const email = address();
    const userId = (await createUserWithIdentity(env.DB, { connectionId: conn, subject: "s" }, seen(email), now))!;
    // A user made by federation has a verified address, so a link sign-in is a way in; take it away to test.
    await env.DB.prepare("UPDATE users SET email_verified_at = NULL WHERE id = ?").bind(userId).run();
    expect(await unlinkIdentity(env.DB, { userId, connectionId: conn, subject: "s" })).toBe("last_way_in");
    await linkIdentity(env.DB, { connectionId: other, subject: "o", userId }, seen(email), now);
    expect(await unlinkIdentity(env.DB, { userId, connectionId: conn, subject: "s" })).toBe("unlinked");
    expect(await unlinkIdentity(env.DB, { userId, connectionId: conn, subject: "s" })).toBe("not_found");
    expect(await unlinkIdentity(env.DB, { userId, connectionId: other, subject: "o" })).toBe("last_way_in");
  });

  it("go with their connection", async () => {
    const conn = await newConnection();
    const userId = (await createUserWithIdentity(env.DB, { connectionId: conn, subject: "s" }, seen(address()), now))!;
    expect(await deleteConnectionRow(env.DB, conn)).toBe(true);
    expect(await listIdentitiesOfUser(env.DB, userId)).toEqual([]);
    expect(await deleteConnectionRow(env.DB, conn)).toBe(false);
  });
});
