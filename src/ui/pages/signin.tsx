/** The hosted sign-in page: conditional UI on the email field, a passkey button, and the magic-link form. */
import { TURNSTILE_ACTIONS } from "../../abuse/turnstile";
import { Layout, Status } from "../layout";

export interface SignInProps {
  csrf: string;
  returnTo: string;
  loginHint?: string;
  client?: { name: string; logoUri: string | null } | null;
  message?: string;
  /** Cloudflare Turnstile site key when the robot check is on. */
  turnstileSiteKey?: string | null;
  /** Enabled upstream identity providers: a "Continue with" link each (src/federation/routes.tsx). */
  connections?: { id: string; displayName: string }[];
}

export function SignInPage({ csrf, returnTo, loginHint, client, message, turnstileSiteKey, connections }: SignInProps) {
  return (
    <Layout title="Sign in" csrf={csrf} page="signin">
      {client ? (
        <header class="client">
          {client.logoUri ? <img src={client.logoUri} alt="" width="48" height="48" /> : null}
          <p>
            Sign in to continue to <strong>{client.name}</strong>
          </p>
        </header>
      ) : null}
      <h1>Sign in</h1>
      {message ? <p class="notice">{message}</p> : null}
      <form id="signin-form" data-return-to={returnTo} novalidate>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username webauthn" value={loginHint ?? ""} required />
        <button type="button" id="passkey-signin" class="primary">
          Sign in with a passkey
        </button>
        {turnstileSiteKey ? (
          <>
            <div class="cf-turnstile" data-sitekey={turnstileSiteKey} data-action={TURNSTILE_ACTIONS.magicLink}></div>
            <script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>
          </>
        ) : null}
        <button type="submit" id="email-link">
          Email me a sign-in link
        </button>
      </form>
      <Status />
      {connections && connections.length > 0 ? (
        <ul class="connections" aria-label="Other ways to sign in">
          {connections.map((conn) => (
            <li>
              <a class="button" href={federationStart(conn.id, returnTo, loginHint)}>
                Continue with {conn.displayName}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      <p class="hint">
        No password needed. New here? Enter your email and we will send you a link to create your account.
      </p>
    </Layout>
  );
}

function federationStart(id: string, returnTo: string, loginHint?: string): string {
  const q = new URLSearchParams({ return_to: returnTo });
  if (loginHint) q.set("login_hint", loginHint);
  return `/auth/federation/${encodeURIComponent(id)}/start?${q}`;
}
