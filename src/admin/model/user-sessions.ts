/** A user's sessions as the admin API and the console see them, and ending one or all of them. */
import * as v from "valibot";
import { recordEvents } from "../../audit/record";
import type { SessionInfo } from "../../user/types";
import { userObject } from "../../user/user-object";
import { rfc3339, timestamp } from "../api/wire";
import type { Actor } from "./user-changes";

export const sessionSchema = v.object({
  id: v.string(),
  created_at: timestamp,
  last_seen_at: timestamp,
  amr: v.pipe(v.array(v.string()), v.description("RFC 8176 authentication method references")),
  user_agent: v.string(),
  country: v.pipe(v.nullable(v.string()), v.description("ISO 3166-1 alpha-2, as Cloudflare saw the sign-in")),
});
export type SessionWire = v.InferOutput<typeof sessionSchema>;

function sessionWire(session: SessionInfo): SessionWire {
  return {
    id: session.sid,
    created_at: rfc3339(session.createdAt),
    last_seen_at: rfc3339(session.lastSeenAt),
    amr: session.amr,
    user_agent: session.userAgent,
    country: session.country,
  };
}

/** The live sessions, as the user's Durable Object has them. */
export async function listUserSessions(who: Pick<Actor, "env">, userId: string, now: number): Promise<SessionWire[]> {
  return (await userObject(who.env, userId).listSessions(now)).map(sessionWire);
}

/** Ends one session and the grants tied to it. False when there is no such live session. */
export async function endUserSession(who: Actor, userId: string, sid: string): Promise<boolean> {
  const ended = await userObject(who.env, userId).endSession(sid);
  if (ended) recordEvents(who.sink, { type: "session.ended", userId, actor: who.actor, detail: { sid } });
  return ended;
}

/** Ends every session and revokes every grant ("sign out everywhere"). Returns how many sessions ended. */
export async function endAllUserSessions(who: Actor, userId: string): Promise<number> {
  const count = await userObject(who.env, userId).endAllSessions();
  recordEvents(who.sink, { type: "session.ended", userId, actor: who.actor, detail: { all: true, count } });
  return count;
}
