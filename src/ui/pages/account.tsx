/** The account page: passkeys (list, rename, delete, add), sessions (list, end one, end all), data and deletion. */
import type { Credential } from "../../db/credentials";
import type { SessionInfo } from "../../user/types";
import { describeDevice, formatTime } from "../format";
import { Layout, Status } from "../layout";
import { PasskeySummary } from "../passkey-summary";
import { AccountProviders, type LinkedProvider } from "./account-providers";

export interface AccountProps {
  csrf: string;
  email: string;
  passkeys: Credential[];
  sessions: SessionInfo[];
  currentSid: string;
  notice?: string;
  /** Where to sign in again when the sign-in is too old for passkey changes (null: recent enough). */
  reauthenticate: string | null;
  /** Upstream identities linked to the account, and the enabled providers it has none at. */
  providers?: { linked: LinkedProvider[]; available: { id: string; displayName: string }[] };
}

export function AccountPage({
  csrf,
  email,
  passkeys,
  sessions,
  currentSid,
  notice,
  reauthenticate,
  providers,
}: AccountProps) {
  return (
    <Layout title="Your account" csrf={csrf} page="account">
      <header class="row">
        <h1>Your account</h1>
        <form method="post" action="/signout">
          <input type="hidden" name="csrf" value={csrf} />
          <button type="submit">Sign out</button>
        </form>
      </header>
      <p>
        Signed in as <strong>{email}</strong>
      </p>
      {notice ? <p class="notice">{notice}</p> : null}

      <section aria-labelledby="passkeys-heading">
        <h2 id="passkeys-heading">Passkeys</h2>
        {passkeys.length === 0 ? <p>You have no passkeys yet. You sign in with email links.</p> : null}
        {reauthenticate ? (
          <p class="notice">
            To add or remove a passkey, confirm it is you: <a href={reauthenticate}>Sign in again</a>.
          </p>
        ) : null}
        <ul class="list" aria-label="Passkeys">
          {passkeys.map((p) => (
            <li>
              <PasskeySummary name={p.name} createdAt={p.createdAt} lastUsedAt={p.lastUsedAt} synced={p.backupState} />
              <form method="post" action="/account/passkeys/rename" class="inline">
                <input type="hidden" name="csrf" value={csrf} />
                <input type="hidden" name="id" value={p.id} />
                <label>
                  <span class="visually-hidden">New name for {p.name}</span>
                  <input name="name" value={p.name} maxlength={64} required />
                </label>
                <button type="submit">Rename</button>
              </form>
              <form method="post" action="/account/passkeys/delete" class="inline">
                <input type="hidden" name="csrf" value={csrf} />
                <input type="hidden" name="id" value={p.id} />
                <button type="submit" class="danger" aria-label={`Delete ${p.name}`}>
                  Delete
                </button>
              </form>
            </li>
          ))}
        </ul>
        <button type="button" id="add-passkey" class="primary">
          Add a passkey
        </button>
        <Status />
      </section>

      {providers ? <AccountProviders csrf={csrf} linked={providers.linked} available={providers.available} /> : null}

      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Where you are signed in</h2>
        <ul class="list" aria-label="Sessions">
          {sessions.map((s) => (
            <li>
              <div>
                <strong>{describeDevice(s.userAgent)}</strong>
                {s.sid === currentSid ? <span class="badge">This device</span> : null}
                <small>
                  Signed in {formatTime(s.createdAt)} with {SIGNED_IN_WITH[s.method]} · last active{" "}
                  {formatTime(s.lastSeenAt)}
                  {s.country ? ` · ${s.country}` : ""}
                </small>
              </div>
              {s.sid === currentSid ? null : (
                <form method="post" action="/account/sessions/end" class="inline">
                  <input type="hidden" name="csrf" value={csrf} />
                  <input type="hidden" name="sid" value={s.sid} />
                  <button type="submit">End session</button>
                </form>
              )}
            </li>
          ))}
        </ul>
        <form method="post" action="/account/sessions/end-all">
          <input type="hidden" name="csrf" value={csrf} />
          <button type="submit" class="danger">
            Sign out everywhere
          </button>
        </form>
      </section>

      <section aria-labelledby="data-heading">
        <h2 id="data-heading">Your data</h2>
        <p>A JSON file of your profile, passkeys, sessions, the apps you allowed and your recent account activity.</p>
        <form method="post" action="/account/data">
          <input type="hidden" name="csrf" value={csrf} />
          <button type="submit">Download my data</button>
        </form>
        <p>
          <a href="/account/delete" class="button danger">
            Delete my account
          </a>
        </p>
      </section>
    </Layout>
  );
}

/**
 * Shown instead of a sensitive change when the sign-in is too old, or was made by a link asked for in another
 * browser: sign in again on this device, then come back. `action` names the change ("Deleting your account").
 */
export function ReauthenticatePage({
  href,
  action = "Adding or removing a passkey",
}: {
  href: string;
  action?: string;
}) {
  return (
    <Layout title="Sign in again">
      <h1>Sign in again</h1>
      <p>{action} needs a sign-in on this device from the last few minutes, to make sure it is you.</p>
      <p>
        <a class="button primary" href={href}>
          Sign in again
        </a>{" "}
        <a href="/account">Back to your account</a>
      </p>
    </Layout>
  );
}

export function ConfirmDeleteLastPage({ csrf, id, name }: { csrf: string; id: string; name: string }) {
  return (
    <Layout title="Delete your last passkey?" csrf={csrf}>
      <h1>Delete your last passkey?</h1>
      <p>
        <strong>{name}</strong> is your only passkey. Without it you can still sign in with an email link, but it will
        take longer and depends on access to your mailbox.
      </p>
      <form method="post" action="/account/passkeys/delete">
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="id" value={id} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="danger">
          Delete it anyway
        </button>
      </form>
      <p>
        <a href="/account">Keep it</a>
      </p>
    </Layout>
  );
}

const SIGNED_IN_WITH: Record<SessionInfo["method"], string> = {
  passkey: "a passkey",
  email: "an email link",
  federation: "a sign-in provider",
};
