/** The consent page for third-party clients: what they will receive, Allow or Deny. */
import { Layout } from "../layout";

/** An API the access token will be for (RFC 8707), with the descriptions of its scopes. */
interface ConsentApi {
  name: string;
  scopes: readonly { value: string; description: string }[];
}

const SCOPE_TEXT: Record<string, string> = {
  openid: "Know who you are (a stable account identifier)",
  email: "See your email address",
  profile: "See your name",
  offline_access: "Stay connected when you are not using it",
};

export function ConsentPage({
  csrf,
  rid,
  clientName,
  logoUri,
  scopes,
  api,
  email,
}: {
  csrf: string;
  rid: string;
  clientName: string;
  logoUri: string | null;
  scopes: string[];
  api?: ConsentApi | null;
  email: string;
}) {
  const own = scopes.filter((s) => Object.hasOwn(SCOPE_TEXT, s) || !api);
  const apiScopes = api ? scopes.filter((s) => !Object.hasOwn(SCOPE_TEXT, s)) : [];
  const describe = (s: string) => api?.scopes.find((d) => d.value === s)?.description || s;
  return (
    <Layout title={`Allow ${clientName}?`} csrf={csrf}>
      <header class="client">
        {logoUri ? <img src={logoUri} alt="" width="48" height="48" /> : null}
        <h1>Allow {clientName}?</h1>
      </header>
      <p>
        <strong>{clientName}</strong> wants to use your Latchkey account <strong>{email}</strong> to:
      </p>
      <ul class="scopes">
        {own.map((s) => (
          <li>{Object.hasOwn(SCOPE_TEXT, s) ? SCOPE_TEXT[s] : s}</li>
        ))}
      </ul>
      {api && apiScopes.length > 0 ? (
        <section class="api">
          <h2>{api.name}</h2>
          <ul class="scopes">
            {apiScopes.map((s) => (
              <li>{describe(s)}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <form method="post" action="/authorize/consent" class="actions">
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="rid" value={rid} />
        <button type="submit" name="decision" value="allow" class="primary">
          Allow
        </button>
        <button type="submit" name="decision" value="deny">
          Deny
        </button>
      </form>
    </Layout>
  );
}
