/** Cron work: signing-key rotation. */
import type { Env } from "./config";

export async function runScheduled(_env: Env, _now: number): Promise<void> {}
