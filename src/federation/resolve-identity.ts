/**
 * Who an upstream identity signs in as, with its D1 writes: the pure rule is link-decision.ts; this reads the
 * facts it needs and carries out its answer (a new user with its identity in one batch, or a link whose primary
 * key settles a race), so no user is ever left without the identity that made it.
 */
import { createUserWithIdentity, findIdentity, linkIdentity, touchIdentity } from "../db/federated-identities";
import { findUserByEmail } from "../db/users";
import type { Connection } from "./connection";
import { decideLink } from "./link-decision";
import { emailTrusted } from "./presets";
import type { UpstreamProfile } from "./profile";

export type ResolvedIdentity =
  | { kind: "user"; userId: string; created: boolean; linked: boolean }
  | { kind: "prove"; email: string }
  | { kind: "refuse"; reason: "no_email" | "conflict" };

export async function resolveIdentity(
  d1: D1Database,
  connection: Connection,
  profile: UpstreamProfile,
  now: number,
): Promise<ResolvedIdentity> {
  const key = { connectionId: connection.id, subject: profile.subject };
  const seen = { email: profile.email, emailVerified: profile.emailVerified, name: profile.name };
  const emailProven = profile.emailVerified && emailTrusted(connection);
  // Twice at most: a parallel sign-up can take the address (or link the identity) between reading and writing.
  for (let attempt = 0; attempt < 2; attempt++) {
    const [linked, owner] = await Promise.all([
      findIdentity(d1, connection.id, profile.subject),
      profile.email ? findUserByEmail(d1, profile.email) : Promise.resolve(null),
    ]);
    const decision = decideLink({
      linkedUserId: linked?.userId ?? null,
      emailOwnerId: owner?.id ?? null,
      email: profile.email,
      emailProven,
    });
    switch (decision.kind) {
      case "returning":
        await touchIdentity(d1, key, seen, now);
        return { kind: "user", userId: decision.userId, created: false, linked: false };
      case "link": {
        const userId = await linkIdentity(d1, { ...key, userId: decision.userId }, seen, now);
        if (userId !== null) return { kind: "user", userId, created: false, linked: userId === decision.userId };
        break;
      }
      case "create": {
        const userId = await createUserWithIdentity(d1, key, { ...seen, email: decision.email }, now);
        if (userId !== null) return { kind: "user", userId, created: true, linked: false };
        break;
      }
      case "prove":
        return { kind: "prove", email: decision.email };
      case "refuse":
        return { kind: "refuse", reason: decision.reason };
    }
  }
  return { kind: "refuse", reason: "conflict" };
}
