/** Clients: the list with a rotate-secret button per confidential client, the create form, and a secret shown once. */
import { CLIENT_AUTH_METHODS } from "../../oidc/capabilities";
import { ConsoleLayout, Csrf } from "./layout";

/** What the list shows of a client (the admin model's wire shape). */
interface ClientRowView {
  client_id: string;
  client_name?: string | undefined;
  token_endpoint_auth_method: string;
  redirect_uris: string[];
  connections?: string[] | undefined;
  created_at: string;
  previous_secret_expires_at: string | null;
}

export interface ClientsPageProps {
  csrf: string;
  clients: ClientRowView[];
  next: string | null;
}

export function ClientsPage({ csrf, clients, next }: ClientsPageProps) {
  return (
    <ConsoleLayout title="Clients" section="clients" csrf={csrf}>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Registered clients, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Client id</th>
              <th scope="col">Authentication</th>
              <th scope="col">Redirect URIs</th>
              <th scope="col">Sign-in providers</th>
              <th scope="col">Secret</th>
              <th scope="col">APIs</th>
            </tr>
          </thead>
          <tbody>
            {clients.map((cl) => (
              <tr>
                <td>{cl.client_name ?? "—"}</td>
                <td>
                  <code>{cl.client_id}</code>
                </td>
                <td>{cl.token_endpoint_auth_method}</td>
                <td>{cl.redirect_uris.join(" ")}</td>
                {/* Client metadata `connections` (set over the API): absent = every enabled connection. */}
                <td>{cl.connections ? cl.connections.join(" ") || "none" : "all enabled"}</td>
                <td>
                  {cl.token_endpoint_auth_method === "none" ? (
                    "public client"
                  ) : cl.token_endpoint_auth_method === "private_key_jwt" ? (
                    "public keys, no secret"
                  ) : (
                    <form method="post" action={`/admin/clients/${encodeURIComponent(cl.client_id)}/rotate-secret`}>
                      <Csrf token={csrf} />
                      <button type="submit" aria-label={`Rotate secret of ${cl.client_name ?? cl.client_id}`}>
                        Rotate secret
                      </button>
                    </form>
                  )}
                </td>
                <td>
                  <a href={`/admin/clients/${encodeURIComponent(cl.client_id)}/grants`}>
                    Grants of {cl.client_name ?? cl.client_id}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {clients.length === 0 ? <p>No clients yet.</p> : null}
      {next ? (
        <p>
          <a href={next}>Next page</a>
        </p>
      ) : null}

      <section aria-labelledby="create-heading">
        <h2 id="create-heading">Register a client</h2>
        <form method="post" action="/admin/clients">
          <Csrf token={csrf} />
          <label for="client-name">Name</label>
          <input id="client-name" name="client_name" maxlength={200} required />
          <label for="client-kind">Kind</label>
          <select id="client-kind" name="kind">
            <option value="app">Application people sign in to (authorization code)</option>
            <option value="machine">Machine-to-machine (client_credentials, no redirect URIs)</option>
          </select>
          <label for="redirect-uris">Redirect URIs (one per line)</label>
          <textarea id="redirect-uris" name="redirect_uris" rows={3}></textarea>
          <label for="auth-method">Client authentication</label>
          <select id="auth-method" name="token_endpoint_auth_method">
            {/* private_key_jwt needs jwks or jwks_uri, which this form does not take: register it over the API. */}
            {CLIENT_AUTH_METHODS.filter((m) => m !== "private_key_jwt").map((m) => (
              <option value={m}>{m === "none" ? "none (public client, PKCE only)" : m}</option>
            ))}
          </select>
          <button type="submit" class="primary">
            Register client
          </button>
        </form>
      </section>
    </ConsoleLayout>
  );
}

/** After creation or rotation: the secret, this once (only its hash is stored). */
export function ClientSecretPage(props: {
  csrf: string;
  title: string;
  clientId: string;
  secret?: string | undefined;
  note: string;
}) {
  return (
    <ConsoleLayout title={props.title} section="clients" csrf={props.csrf}>
      <dl class="facts">
        <dt>Client id</dt>
        <dd>
          <code>{props.clientId}</code>
        </dd>
        {props.secret ? (
          <>
            <dt>Client secret</dt>
            <dd class="secret">{props.secret}</dd>
          </>
        ) : null}
      </dl>
      <p class="notice">{props.note}</p>
      <p>
        <a href="/admin/clients">Back to clients</a>
      </p>
    </ConsoleLayout>
  );
}
