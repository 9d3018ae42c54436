/** The one HTML error page: what went wrong in our words, and where to go next. */
import { MessagePage } from "./message";

export interface ErrorPageProps {
  title: string;
  message: string;
  /** A second line of advice, e.g. "Go back to the application you came from and try again." */
  advice?: string;
  link?: { href: string; label: string };
}

export function ErrorPage({ title, message, advice, link }: ErrorPageProps) {
  return (
    <MessagePage title={title}>
      <p>{message}</p>
      {advice ? <p>{advice}</p> : null}
      {link ? (
        <p>
          <a href={link.href}>{link.label}</a>
        </p>
      ) : null}
    </MessagePage>
  );
}
