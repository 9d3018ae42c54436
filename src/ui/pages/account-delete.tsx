/** Deleting one's own account: the confirmation (type the address) and the page after it. */
import { Layout } from "../layout";

export interface DeleteAccountProps {
  csrf: string;
  email: string;
  /** Set when the typed address did not match. */
  error?: string;
}

export function DeleteAccountPage({ csrf, email, error }: DeleteAccountProps) {
  return (
    <Layout title="Delete your account" csrf={csrf}>
      <h1>Delete your account</h1>
      <p>
        This deletes the account <strong>{email}</strong> for good: its passkeys, every session on every device, and
        every app's access through it. The apps you signed in to keep what they stored themselves.
      </p>
      <p>
        Want a copy first? <a href="/account#data-heading">Download your data</a> from your account page.
      </p>
      {error ? (
        <p class="notice" role="alert" id="delete-error">
          {error}
        </p>
      ) : null}
      <form method="post" action="/account/delete">
        <input type="hidden" name="csrf" value={csrf} />
        <label for="confirm-email">Type your email address to confirm</label>
        <input
          id="confirm-email"
          name="email"
          type="email"
          autocomplete="off"
          required
          maxlength={320}
          aria-describedby={error ? "delete-error" : undefined}
        />
        <button type="submit" class="danger">
          Delete my account
        </button>
      </form>
      <p>
        <a href="/account">Keep my account</a>
      </p>
    </Layout>
  );
}

export function AccountDeletedPage() {
  return (
    <Layout title="Your account was deleted">
      <h1>Your account was deleted</h1>
      <p>Its passkeys and sessions are gone, and no app can use it any more. You have been signed out everywhere.</p>
      <p>
        The passkey may still be listed on your device or in your password manager: you can remove it there. Signing in
        again with your email address would start a new, empty account.
      </p>
    </Layout>
  );
}
