/** One user: profile, passkeys, sessions, recent events, and what an admin can do about them. */
import { describeDevice } from "../../ui/format";
import { PasskeySummary } from "../../ui/passkey-summary";
import type { PasskeyWire } from "../model/user-passkeys";
import type { SessionWire } from "../model/user-sessions";
import type { UserWire } from "../model/users";
import { type EventRowView, EventsTable } from "./events-page";
import { ConsoleLayout, Csrf } from "./layout";

export interface UserPageProps {
  csrf: string;
  user: UserWire;
  passkeys: PasskeyWire[];
  sessions: SessionWire[];
  /** The newest few events of this user. */
  events: EventRowView[];
  notice?: string | undefined;
}

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "never");

export function UserPage({ csrf, user, passkeys, sessions, events, notice }: UserPageProps) {
  const base = `/admin/users/${encodeURIComponent(user.id)}`;
  return (
    <ConsoleLayout title={user.email} section="users" csrf={csrf} notice={notice}>
      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl class="facts">
          <dt>User id</dt>
          <dd>
            <code>{user.id}</code>
          </dd>
          <dt>Name</dt>
          <dd>{user.name ?? "—"}</dd>
          <dt>Email verified</dt>
          <dd>{user.email_verified ? "Yes" : "No"}</dd>
          <dt>Roles</dt>
          <dd>{user.roles.length ? user.roles.join(", ") : "none"}</dd>
          <dt>Status</dt>
          <dd>{user.disabled ? "Disabled" : "Active"}</dd>
          <dt>Created</dt>
          <dd>{when(user.created_at)}</dd>
          <dt>Last sign-in</dt>
          <dd>{when(user.last_sign_in_at)}</dd>
        </dl>
        <div class="actions">
          <form method="post" action={`${base}/${user.disabled ? "enable" : "disable"}`}>
            <Csrf token={csrf} />
            <button type="submit" class={user.disabled ? "primary" : "danger"}>
              {user.disabled ? "Enable user" : "Disable user"}
            </button>
          </form>
          <a class="button danger" href={`${base}/delete`}>
            Delete user…
          </a>
        </div>
      </section>

      <section aria-labelledby="passkeys-heading">
        <h2 id="passkeys-heading">Passkeys</h2>
        {passkeys.length === 0 ? (
          <p>No passkeys: this user signs in with email links.</p>
        ) : (
          <ul class="list" aria-label="Passkeys">
            {passkeys.map((p) => (
              <li>
                <PasskeySummary
                  name={p.name}
                  authenticator={p.authenticator_name}
                  createdAt={Date.parse(p.created_at)}
                  lastUsedAt={p.last_used_at ? Date.parse(p.last_used_at) : null}
                  synced={p.backed_up}
                />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Sessions</h2>
        {sessions.length === 0 ? <p>No live sessions.</p> : null}
        <ul class="list" aria-label="Sessions">
          {sessions.map((s) => (
            <li>
              <div>
                <strong>{describeDevice(s.user_agent)}</strong>
                <small>
                  Signed in {when(s.created_at)} ({s.amr.join(", ")}) · last active {when(s.last_seen_at)}
                  {s.country ? ` · ${s.country}` : ""}
                </small>
              </div>
              <form method="post" action={`${base}/sessions/end`} class="inline">
                <Csrf token={csrf} />
                <input type="hidden" name="sid" value={s.id} />
                <button type="submit" aria-label={`End session on ${describeDevice(s.user_agent)}`}>
                  End session
                </button>
              </form>
            </li>
          ))}
        </ul>
        {sessions.length > 0 ? (
          <form method="post" action={`${base}/sessions/end`}>
            <Csrf token={csrf} />
            <button type="submit" class="danger">
              End all sessions
            </button>
          </form>
        ) : null}
      </section>

      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Recent events</h2>
        {events.length === 0 ? <p>No events recorded.</p> : <EventsTable events={events} caption="Recent events" />}
        <p>
          <a href={`/admin/events?user_id=${encodeURIComponent(user.id)}`}>All events of this user</a>
        </p>
      </section>
    </ConsoleLayout>
  );
}

/** The confirmation step before a delete: what goes, and a button that says so. */
export function ConfirmDeleteUserPage({ csrf, user }: { csrf: string; user: UserWire }) {
  const base = `/admin/users/${encodeURIComponent(user.id)}`;
  return (
    <ConsoleLayout title={`Delete ${user.email}?`} section="users" csrf={csrf}>
      <p>
        This deletes the account for good: its passkeys, sessions, tokens and stored data. The audit log keeps only a
        record that the account existed and who deleted it.
      </p>
      <form method="post" action={`${base}/delete`}>
        <Csrf token={csrf} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="danger">
          Delete this user
        </button>
      </form>
      <p>
        <a href={base}>Keep this user</a>
      </p>
    </ConsoleLayout>
  );
}
