/** Shown to a signed-in person without the "admin" role. */
import { MessagePage } from "../../ui/pages/message";

export function ForbiddenPage() {
  return (
    <MessagePage title="No access to the admin console">
      <p>Your account does not have the admin role. Ask an administrator of this site to grant it.</p>
      <p>
        <a href="/account">Go to your account</a>
      </p>
    </MessagePage>
  );
}
