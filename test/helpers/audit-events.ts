/** Reading audit events from D1 in tests: they are written in waitUntil, after the response, so this polls. */
import { env } from "cloudflare:test";

export interface StoredEvent {
  type: string;
  user_id: string | null;
  actor: string | null;
  outcome: string;
  detail: string;
}

/** The events of `type` for `userId`, once at least one is there (within 5 s). */
export async function waitForEvents(type: string, userId: string): Promise<StoredEvent[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { results } = await env.DB.prepare("SELECT * FROM audit_events WHERE type = ? AND user_id = ? ORDER BY at")
      .bind(type, userId)
      .all<StoredEvent>();
    if (results.length > 0 || Date.now() > deadline) return results;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
