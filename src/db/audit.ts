/** Audit events (security-relevant facts an admin can query later). */
import { randomToken } from "../lib/crypto";
import { db } from "./client";
import { auditEvents } from "./schema";

export type AuditType =
  | "passkey.counter_regression"
  | "passkey.backup_eligibility_changed"
  | "passkey.registered"
  | "passkey.deleted"
  | "user.created";

export async function recordEvent(
  d1: D1Database,
  type: AuditType,
  userId: string | null,
  detail: Record<string, unknown>,
  now: number,
): Promise<void> {
  await db(d1)
    .insert(auditEvents)
    .values({ id: randomToken(16), at: now, type, userId, detail: JSON.stringify(detail) })
    .run();
}
