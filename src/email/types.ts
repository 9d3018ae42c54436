/** The one shape of an outgoing email that every transport accepts. */

/** A single-recipient transactional message; `html` and `text` carry the same content. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}
