/** After an email-link sign-in: offer to create a passkey, with a way to skip. */
import { Layout, Status } from "../layout";

export function PasskeyOfferPage({
  csrf,
  returnTo,
  newAccount,
}: {
  csrf: string;
  returnTo: string;
  newAccount: boolean;
}) {
  return (
    <Layout title="Create a passkey" csrf={csrf} page="passkey-offer">
      <h1>{newAccount ? "Your account is ready" : "You are signed in"}</h1>
      <p>Create a passkey so next time you can sign in with your fingerprint, face or screen lock — no email needed.</p>
      <div class="actions" data-return-to={returnTo}>
        <button type="button" id="create-passkey" class="primary">
          Create a passkey
        </button>
        <a href={returnTo} id="skip-passkey">
          Skip for now
        </a>
      </div>
      <Status />
    </Layout>
  );
}
