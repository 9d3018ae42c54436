/** The page a mailed link opens: only its button's POST redeems the token, so link scanners cannot burn it. */
import { Layout } from "../layout";

export function LinkConfirmPage({ csrf, token, email }: { csrf: string; token: string; email: string }) {
  return (
    <Layout title="Finish signing in" csrf={csrf}>
      <h1>Finish signing in</h1>
      <p>
        Press the button to sign in on this device as <strong>{email}</strong>. If that is not your address, close this page.
      </p>
      <form method="post" action="/auth/link">
        <input type="hidden" name="token" value={token} />
        <input type="hidden" name="csrf" value={csrf} />
        <button type="submit" class="primary">
          Continue
        </button>
      </form>
    </Layout>
  );
}
