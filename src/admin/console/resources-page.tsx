/** Resource servers (APIs): the list with the add form, one resource's edit form, and a client's grants per resource. */
import type { ResourceWire } from "../model/resources";
import { ConsoleLayout, Csrf } from "./layout";

/** Scopes as the form's textarea holds them: one "value description" per line. */
function scopeLines(r: ResourceWire): string {
  return r.scopes.map((s) => `${s.value} ${s.description}`.trim()).join("\n");
}

function ResourceFields({ resource }: { resource?: ResourceWire }) {
  return (
    <>
      <label for="resource-name">Name</label>
      <input id="resource-name" name="name" maxlength={200} required value={resource?.name} />
      <label for="resource-scopes">Scopes (one per line: the value, a space, its description)</label>
      <textarea id="resource-scopes" name="scopes" rows={5}>
        {resource ? scopeLines(resource) : ""}
      </textarea>
      <label for="resource-ttl">Access token lifetime in seconds (60–86400; empty: 300)</label>
      <input
        id="resource-ttl"
        name="access_token_ttl_seconds"
        inputmode="numeric"
        value={resource ? String(resource.access_token_ttl_seconds) : ""}
      />
    </>
  );
}

export function ResourcesPage(props: { csrf: string; resources: ResourceWire[]; next: string | null }) {
  return (
    <ConsoleLayout title="APIs" section="resources" csrf={props.csrf}>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Resource servers, the admin API first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Identifier (token audience)</th>
              <th scope="col">Scopes</th>
              <th scope="col">Token lifetime</th>
            </tr>
          </thead>
          <tbody>
            {props.resources.map((r) => (
              <tr>
                <td>
                  <a href={`/admin/resources/${encodeURIComponent(r.id)}`}>{r.name}</a>
                  {r.built_in ? " (built in)" : ""}
                </td>
                <td>
                  <code>{r.identifier}</code>
                </td>
                <td>{r.scopes.map((s) => s.value).join(" ") || "—"}</td>
                <td>{r.access_token_ttl_seconds} s</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <p>
          <a href={props.next}>Next page</a>
        </p>
      ) : null}
      <section aria-labelledby="add-heading">
        <h2 id="add-heading">Add an API</h2>
        <form method="post" action="/admin/resources">
          <Csrf token={props.csrf} />
          <label for="resource-identifier">Identifier (an https URI; it cannot change later)</label>
          <input id="resource-identifier" name="identifier" maxlength={2000} required />
          <ResourceFields />
          <button type="submit" class="primary">
            Add API
          </button>
        </form>
      </section>
    </ConsoleLayout>
  );
}

export function ResourcePage({ csrf, resource, notice }: { csrf: string; resource: ResourceWire; notice?: string }) {
  const action = `/admin/resources/${encodeURIComponent(resource.id)}`;
  return (
    <ConsoleLayout title={resource.name} section="resources" csrf={csrf} notice={notice}>
      <dl class="facts">
        <dt>Identifier</dt>
        <dd>
          <code>{resource.identifier}</code>
        </dd>
      </dl>
      {resource.built_in ? (
        <>
          <p>The admin API is defined by Latchkey itself: it cannot be changed or deleted.</p>
          <ul>
            {resource.scopes.map((s) => (
              <li>
                <code>{s.value}</code> {s.description}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <>
          <form method="post" action={action}>
            <Csrf token={csrf} />
            <ResourceFields resource={resource} />
            <button type="submit" class="primary">
              Save
            </button>
          </form>
          <form method="post" action={`${action}/delete`}>
            <Csrf token={csrf} />
            <button type="submit" aria-label={`Delete ${resource.name}`}>
              Delete API and every grant on it
            </button>
          </form>
        </>
      )}
      <p>
        <a href="/admin/resources">Back to APIs</a>
      </p>
    </ConsoleLayout>
  );
}

/** A client's grants: per API a checkbox per scope (saving with none checked keeps the audience only). */
export function ClientGrantsPage(props: {
  csrf: string;
  clientId: string;
  resources: ResourceWire[];
  grants: ReadonlyMap<string, readonly string[]>;
  notice?: string;
}) {
  const base = `/admin/clients/${encodeURIComponent(props.clientId)}/grants`;
  return (
    <ConsoleLayout title="Client grants" section="clients" csrf={props.csrf} notice={props.notice}>
      <p>
        Client <code>{props.clientId}</code>: the scopes it may get for each API.
      </p>
      {props.resources.map((r) => {
        const granted = props.grants.get(r.id);
        return (
          <section aria-label={r.name}>
            <h2>{r.name}</h2>
            <form method="post" action={`${base}/${encodeURIComponent(r.id)}`}>
              <Csrf token={props.csrf} />
              <fieldset>
                <legend>{granted ? "Granted scopes" : "Not granted"}</legend>
                {r.scopes.map((s) => (
                  <label>
                    <input type="checkbox" name={`scope:${s.value}`} checked={granted?.includes(s.value) ?? false} />{" "}
                    {s.value}
                  </label>
                ))}
              </fieldset>
              <button type="submit">{granted ? `Save grant on ${r.name}` : `Grant ${r.name}`}</button>
            </form>
            {granted ? (
              <form method="post" action={`${base}/${encodeURIComponent(r.id)}/delete`}>
                <Csrf token={props.csrf} />
                <button type="submit">Remove grant on {r.name}</button>
              </form>
            ) : null}
          </section>
        );
      })}
      <p>
        <a href="/admin/clients">Back to clients</a>
      </p>
    </ConsoleLayout>
  );
}
