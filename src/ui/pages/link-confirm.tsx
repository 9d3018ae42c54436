/**
 * The page a mailed link opens: only its button's POST redeems the token, so link scanners cannot burn it.
 * It names the whole account; opened in another browser than the one that asked, it is an explicit
 * cross-device confirmation saying when, from what device and from where the link was asked for (RFC 9700 §4.7).
 */
import { formatTime } from "../format";
import { Layout } from "../layout";

export interface CrossDeviceRequest {
  at: number | null;
  device: string | null;
  country: string | null;
}

export function LinkConfirmPage({
  csrf,
  token,
  email,
  crossDevice,
}: {
  csrf: string;
  token: string;
  email: string;
  crossDevice: CrossDeviceRequest | null;
}) {
  if (!crossDevice) {
    return (
      <Layout title="Finish signing in" csrf={csrf}>
        <h1>Finish signing in</h1>
        <p>
          Press the button to sign in on this device as <strong>{email}</strong>. If that is not your address, close
          this page.
        </p>
        <ConfirmForm csrf={csrf} token={token} label="Continue" />
      </Layout>
    );
  }
  return (
    <Layout title="Sign in on this device?" csrf={csrf}>
      <h1>Sign in on this device?</h1>
      <p>
        This link was asked for in another browser. It signs this browser in to the account <strong>{email}</strong>.
      </p>
      <dl class="link-request">
        <dt>Asked for</dt>
        <dd>{crossDevice.at === null ? "unknown" : formatTime(crossDevice.at)}</dd>
        <dt>From</dt>
        <dd>{crossDevice.device ?? "an unknown device"}</dd>
        {crossDevice.country ? (
          <>
            <dt>Place</dt>
            <dd>{crossDevice.country}</dd>
          </>
        ) : null}
      </dl>
      <p>
        Continue only if you asked for this link yourself and <strong>{email}</strong> is your address. If someone sent
        you this link, close this page: it would sign you in to their account.
      </p>
      <ConfirmForm csrf={csrf} token={token} label="Yes, sign in on this device" />
    </Layout>
  );
}

function ConfirmForm({ csrf, token, label }: { csrf: string; token: string; label: string }) {
  return (
    <form method="post" action="/auth/link">
      <input type="hidden" name="token" value={token} />
      <input type="hidden" name="csrf" value={csrf} />
      <button type="submit" class="primary">
        {label}
      </button>
    </form>
  );
}
