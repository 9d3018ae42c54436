/** Cron work: signing-key rotation, then audit and webhook-delivery retention. */
import { enforceRetention } from "./audit/retention";
import { type Env, getConfig } from "./config";
import { isEmptyPlan } from "./keys/key-policy";
import { rotateKeys } from "./keys/signing-keys";

async function rotateSigningKeys(env: Env, now: number): Promise<void> {
  const { plan, created } = await rotateKeys(env, getConfig(env), now);
  if (!isEmptyPlan(plan)) {
    console.log(
      JSON.stringify({
        event: "signing_keys_rotated",
        created,
        retired: plan.retire.map((r) => r.kid),
        deleted: plan.delete,
      }),
    );
  }
}

async function pruneOldRecords(env: Env, now: number): Promise<void> {
  const deleted = await enforceRetention(env, getConfig(env).auditRetentionDays, now);
  if (deleted.audit_events + deleted.webhook_deliveries > 0) {
    console.log(JSON.stringify({ event: "retention_enforced", ...deleted }));
  }
}

/** Each job runs whatever the other's outcome; a failure is thrown after both ran, so the cron run reports it. */
export async function runScheduled(env: Env, now: number): Promise<void> {
  const results = await Promise.allSettled([rotateSigningKeys(env, now), pruneOldRecords(env, now)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
