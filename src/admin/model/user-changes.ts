/**
 * Changing users, as the admin API and the console do it: create (optionally mailing a sign-in link), update the
 * profile, disable or enable. Each returns a result the caller turns into its own answer, and records its audit
 * events (their detail names the fields that changed, never the address itself).
 */
import { eq } from "drizzle-orm";
import { notifyAddressChange } from "../../account/address-change-mail";
import type { AuditSink } from "../../audit/record";
import { recordEvents } from "../../audit/record";
import type { Config, Env } from "../../config";
import { db } from "../../db/client";
import { users } from "../../db/schema";
import { findUserByEmail, findUserById, type User } from "../../db/users";
import { randomToken } from "../../lib/crypto";
import { parseEmailAddress } from "../../lib/email-address";
import { newSecret } from "../../lib/user-token";
import { requestMagicLink } from "../../magic-link/request-link";
import { userObject } from "../../user/user-object";

/** Who acts and where their events go. */
export interface Actor {
  env: Env;
  sink: AuditSink;
  /** e.g. "admin:token", "admin:<user id>". */
  actor: string;
}

export type Refusal = { ok: false; reason: "not_found" | "email_taken" | "invalid_email"; message: string };
export type UserChange = { ok: true; user: User } | Refusal;

const TAKEN: Refusal = { ok: false, reason: "email_taken", message: "Another user has this email address." };
const NOT_FOUND: Refusal = { ok: false, reason: "not_found", message: "There is no user with this id." };

/** The address in the one spelling sign-in uses (src/lib/email-address.ts). */
function normalized(raw: string): { ok: true; email: string } | Refusal {
  const parsed = parseEmailAddress(raw);
  return parsed.ok ? parsed : { ok: false, reason: "invalid_email", message: parsed.message };
}

/** Roles once each, in the order given. */
function rolesJson(roles: readonly string[]): string {
  return JSON.stringify([...new Set(roles)]);
}

/** D1's answer to a second row with the same email (a create or rename racing another). */
function isUniqueViolation(err: unknown): boolean {
  return String(err).includes("UNIQUE constraint failed");
}

export interface NewUser {
  email: string;
  name?: string | null;
  roles?: readonly string[];
  /** Mail a sign-in link to the new user (through the magic-link machinery). */
  sendInvite?: boolean;
}

/**
 * A new user, unverified until a link to the address is used. With `sendInvite`, the link is mailed after the
 * answer (in waitUntil): a mail failure is logged and does not undo the user.
 */
export async function createUser(who: Actor, config: Config, input: NewUser, now: number): Promise<UserChange> {
  const address = normalized(input.email);
  if (!address.ok) return address;
  const row = { id: randomToken(16), email: address.email, name: input.name ?? null, createdAt: now, updatedAt: now };
  let user: User | undefined;
  try {
    user = await db(who.env.DB)
      .insert(users)
      .values({ ...row, roles: rolesJson(input.roles ?? []) })
      .onConflictDoNothing({ target: users.email })
      .returning()
      .get();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  if (!user) return TAKEN;
  const fields = ["email", ...(input.name != null ? ["name"] : []), ...(input.roles?.length ? ["roles"] : [])];
  recordEvents(who.sink, {
    type: "user.created",
    userId: user.id,
    actor: who.actor,
    detail: { fields, invited: input.sendInvite === true },
  });
  if (input.sendInvite) {
    const link = { email: user.email, returnTo: "/account", token: newSecret(), requestedBy: null };
    who.sink.waitUntil(
      requestMagicLink(who.sink, config, link, now, who.actor).catch((err: unknown) =>
        console.error(JSON.stringify({ event: "invite_mail_failed", reason: String(err) })),
      ),
    );
  }
  return { ok: true, user };
}

export interface UserPatch {
  name?: string | null;
  email?: string;
  roles?: readonly string[];
  disabled?: boolean;
}

/**
 * Updates the profile fields given; a new address is unverified (email_verified_at null) until a link mailed to it
 * is used, and the old address is told (src/account/address-change-mail.ts). `disabled` goes through setDisabled,
 * after the fields.
 */
export async function updateUser(
  who: Actor,
  config: Config,
  userId: string,
  patch: UserPatch,
  now: number,
): Promise<UserChange> {
  const user = await findUserById(who.env.DB, userId);
  if (!user) return NOT_FOUND;
  const set: Partial<typeof users.$inferInsert> = {};
  if (patch.name !== undefined && patch.name !== user.name) set.name = patch.name;
  if (patch.roles !== undefined && rolesJson(patch.roles) !== user.roles) set.roles = rolesJson(patch.roles);
  if (patch.email !== undefined) {
    const address = normalized(patch.email);
    if (!address.ok) return address;
    if (address.email !== user.email) {
      const holder = await findUserByEmail(who.env.DB, address.email);
      if (holder) return TAKEN;
      set.email = address.email;
      set.emailVerifiedAt = null;
    }
  }
  let updated = user;
  const fields = Object.keys(set).filter((k) => k !== "emailVerifiedAt");
  if (fields.length > 0) {
    try {
      const row = await db(who.env.DB)
        .update(users)
        .set({ ...set, updatedAt: now })
        .where(eq(users.id, userId))
        .returning()
        .get();
      if (!row) return NOT_FOUND;
      updated = row;
    } catch (err) {
      if (isUniqueViolation(err)) return TAKEN;
      throw err;
    }
    recordEvents(who.sink, { type: "user.updated", userId, actor: who.actor, detail: { fields } });
  }
  // Sessions and grants carry the old address into ID tokens (and a refreshed token would keep it): a new address
  // signs the account out everywhere, so the next tokens say the new one (and that it is not verified yet).
  if (set.email !== undefined) {
    const ended = await userObject(who.env, userId).endAllSessions();
    recordEvents(who.sink, {
      type: "session.ended",
      userId,
      actor: who.actor,
      detail: { all: true, count: ended, reason: "email_changed" },
    });
    notifyAddressChange(who.sink, config, { oldAddress: user.email, newAddress: set.email, at: now });
  }
  if (patch.disabled !== undefined) return setDisabled(who, userId, patch.disabled, now);
  return { ok: true, user: updated };
}

/**
 * Disables (at once: every session ends, every grant is revoked, and the user's Durable Object refuses sign-in,
 * codes, refresh and access tokens) or enables (the flag only; ended sessions stay ended).
 *
 * The Durable Object is the authority, D1's `disabled_at` mirrors it for lists. The writes are ordered so that a
 * failure between them never leaves D1 saying "disabled" while the object still lets the user in: disabling
 * writes the object first, then D1; enabling writes D1 first, then the object. A failure in between leaves the
 * object disabled and D1 possibly enabled, which the next disable or enable (both idempotent) repairs.
 */
export async function setDisabled(who: Actor, userId: string, disabled: boolean, now: number): Promise<UserChange> {
  const user = await findUserById(who.env.DB, userId);
  if (!user) return NOT_FOUND;
  const object = userObject(who.env, userId);
  const d = db(who.env.DB);
  let row: User | undefined;
  if (disabled) {
    const sessionsEnded = await object.disable(now);
    row = await d
      .update(users)
      .set({ disabledAt: user.disabledAt ?? now, tokensValidAfter: now, updatedAt: now })
      .where(eq(users.id, userId))
      .returning()
      .get();
    if (user.disabledAt === null) {
      recordEvents(who.sink, {
        type: "user.disabled",
        userId,
        actor: who.actor,
        detail: { sessions_ended: sessionsEnded },
      });
    }
  } else {
    row = await d.update(users).set({ disabledAt: null, updatedAt: now }).where(eq(users.id, userId)).returning().get();
    await object.enable();
    if (user.disabledAt !== null) recordEvents(who.sink, { type: "user.enabled", userId, actor: who.actor });
  }
  return row ? { ok: true, user: row } : NOT_FOUND;
}
