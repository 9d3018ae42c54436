/** The account page's sign-in providers: the identities linked to the account, and the providers it may link. */
import { formatTime } from "../format";

export interface LinkedProvider {
  connectionId: string;
  subject: string;
  displayName: string;
  email: string | null;
  lastSignInAt: number;
}

export function AccountProviders({
  csrf,
  linked,
  available,
}: {
  csrf: string;
  linked: LinkedProvider[];
  /** Enabled connections this account has no identity at. */
  available: { id: string; displayName: string }[];
}) {
  if (linked.length === 0 && available.length === 0) return null;
  return (
    <section aria-labelledby="providers-heading">
      <h2 id="providers-heading">Sign-in providers</h2>
      {linked.length === 0 ? <p>No provider is linked to your account.</p> : null}
      <ul class="list" aria-label="Linked providers">
        {linked.map((p) => (
          <li>
            <div>
              <strong>{p.displayName}</strong>
              <small>
                {p.email ?? "no address shared"} · last used {formatTime(p.lastSignInAt)}
              </small>
            </div>
            <form method="post" action="/account/providers/unlink" class="inline">
              <input type="hidden" name="csrf" value={csrf} />
              <input type="hidden" name="connection" value={p.connectionId} />
              <input type="hidden" name="subject" value={p.subject} />
              <button type="submit" class="danger" aria-label={`Unlink ${p.displayName}`}>
                Unlink
              </button>
            </form>
          </li>
        ))}
      </ul>
      {/* Links, not forms: a form's CSP form-action would stop its redirect on at the provider's origin. The CSRF
          token in the address is bound to this browser's cookie, so the link is worth nothing anywhere else. */}
      {available.map((conn) => (
        <p>
          <a class="button" href={`/auth/federation/${conn.id}/start?intent=link&csrf=${encodeURIComponent(csrf)}`}>
            Add {conn.displayName}
          </a>
        </p>
      ))}
    </section>
  );
}
