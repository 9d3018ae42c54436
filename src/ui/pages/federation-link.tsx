/** Confirming that an upstream identity joins the signed-in account (src/federation/routes.tsx, "prove"). */
import { Layout } from "../layout";

export function FederationLinkPage({
  csrf,
  pending,
  provider,
  email,
  skipTo,
}: {
  csrf: string;
  pending: string;
  provider: string;
  email: string;
  skipTo: string;
}) {
  return (
    <Layout title={`Link ${provider}`} csrf={csrf}>
      <h1>Link {provider} to your account</h1>
      <p>
        You have proven that <strong>{email}</strong> is yours. Link your {provider} account to it, and from now on
        &ldquo;Continue with {provider}&rdquo; signs you in here.
      </p>
      <form method="post" action="/auth/federation/link">
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="pending" value={pending} />
        <button type="submit" class="primary">
          Link {provider}
        </button>
      </form>
      <p>
        <a href={skipTo}>Not now</a>
      </p>
    </Layout>
  );
}
