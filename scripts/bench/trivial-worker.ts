/** Bench only: the cold-start baseline, a Worker that does nothing, with the same Durable Object classes exported. */
import { DurableObject } from "cloudflare:workers";

export class UserDO extends DurableObject {}
export class LimiterDO extends DurableObject {}

export default {
  fetch(): Response {
    return new Response('{"ok":true}', { headers: { "content-type": "application/json" } });
  },
};
