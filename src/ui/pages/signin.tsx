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
}

export function SignInPage({ csrf, returnTo, loginHint, client, message, turnstileSiteKey }: SignInProps) {
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
      <p class="hint">
        No password needed. New here? Enter your email and we will send you a link to create your account.
      </p>
    </Layout>
  );
}
