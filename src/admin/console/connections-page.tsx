/** Federation connections: the list (enable, disable, delete) and the form that adds one. */
import { federationCallbackPath } from "../../federation/connection";
import type { ConnectionWire } from "../model/connections";
import { ConsoleLayout, Csrf } from "./layout";

export function ConnectionsPage(props: { csrf: string; connections: ConnectionWire[]; notice?: string | undefined }) {
  const { csrf } = props;
  return (
    <ConsoleLayout title="Connections" section="connections" csrf={csrf} notice={props.notice}>
      <p class="hint">
        Upstream identity providers people may sign in with: each enabled one is a &ldquo;Continue with&rdquo; button on
        the sign-in page. At each provider, register the redirect URI shown under it: this site's{" "}
        <code>/auth/federation/callback/&lt;id&gt;</code>, one per connection, so that an answer cannot be passed off as
        another provider's.
      </p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Connections, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Provider</th>
              <th scope="col">Trusts email_verified</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.connections.map((conn) => {
              const base = `/admin/connections/${encodeURIComponent(conn.id)}`;
              return (
                <tr>
                  <td>
                    {conn.display_name}
                    <small>{conn.id}</small>
                  </td>
                  <td>
                    {conn.preset ?? conn.type}
                    <small>{conn.issuer}</small>
                    <small>
                      Redirect URI: <code>{federationCallbackPath(conn.id)}</code>
                    </small>
                  </td>
                  <td>
                    {conn.preset === "microsoft" ? "never (Microsoft)" : conn.trust_email_verified ? "yes" : "no"}
                  </td>
                  <td>{conn.enabled ? "enabled" : "disabled"}</td>
                  <td>
                    <form method="post" action={`${base}/enabled`}>
                      <Csrf token={csrf} />
                      <input type="hidden" name="enabled" value={conn.enabled ? "false" : "true"} />
                      <button type="submit">
                        {conn.enabled ? "Disable" : "Enable"} {conn.display_name}
                      </button>
                    </form>
                    <form method="post" action={`${base}/delete`}>
                      <Csrf token={csrf} />
                      <button type="submit" class="danger">
                        Delete {conn.display_name}
                      </button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {props.connections.length === 0 ? <p>No connections yet.</p> : null}

      <section aria-labelledby="create-heading">
        <h2 id="create-heading">Add a connection</h2>
        <form method="post" action="/admin/connections">
          <Csrf token={csrf} />
          <label for="connection-id">Id (lower-case letters, digits, hyphens)</label>
          <input id="connection-id" name="id" maxlength={64} pattern="[a-z0-9][a-z0-9\-]*" required />
          <label for="connection-name">Display name</label>
          <input id="connection-name" name="display_name" maxlength={100} required />
          <label for="connection-preset">Provider</label>
          <select id="connection-preset" name="preset">
            <option value="">Any OpenID Connect provider (give its issuer)</option>
            <option value="google">Google</option>
            <option value="microsoft">Microsoft Entra</option>
            <option value="apple">Apple</option>
            <option value="github">GitHub</option>
          </select>
          <label for="connection-issuer">Issuer (optional for a preset)</label>
          <input id="connection-issuer" name="issuer" type="url" maxlength={512} />
          <label for="connection-client-id">Client id</label>
          <input id="connection-client-id" name="client_id" maxlength={255} required />
          <label for="connection-secret">Client secret (Apple: the PKCS #8 private key, PEM)</label>
          <textarea id="connection-secret" name="client_secret" rows={3} maxlength={8192} required></textarea>
          <label for="connection-scopes">Scopes (optional, separated by spaces)</label>
          <input id="connection-scopes" name="scopes" maxlength={1000} />
          <label class="check">
            <input type="checkbox" name="trust_email_verified" /> Trust the provider's verified email to link to an
            existing account
          </label>
          <label for="connection-apple-team">Apple team id (Apple only)</label>
          <input id="connection-apple-team" name="apple_team_id" maxlength={10} />
          <label for="connection-apple-key">Apple key id (Apple only)</label>
          <input id="connection-apple-key" name="apple_key_id" maxlength={10} />
          <button type="submit" class="primary">
            Add connection
          </button>
        </form>
      </section>
    </ConsoleLayout>
  );
}
