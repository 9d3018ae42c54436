/** Cron work: signing-key rotation. */
import { type Env, getConfig } from "./config";
import { isEmptyPlan } from "./keys/key-policy";
import { rotateKeys } from "./keys/signing-keys";

export async function runScheduled(env: Env, now: number): Promise<void> {
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
