/** The consent page for third-party clients: what they will receive, Allow or Deny. */
import { Layout } from "../layout";

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
  email,
}: {
  csrf: string;
  rid: string;
  clientName: string;
  logoUri: string | null;
  scopes: string[];
  email: string;
}) {
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
        {scopes.map((s) => (
          <li>{SCOPE_TEXT[s] ?? s}</li>
        ))}
      </ul>
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
