/** What every mail Latchkey sends shares: the sender's name on one line, escaping, and the HTML document around it. */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** The relying party's name from configuration as one line of plain words (it goes into subjects too). */
export function senderName(rpName: string): string {
  return rpName.replace(/\s+/g, " ").trim() || "Latchkey";
}

/** An HTML mail around `body` (markup already escaped by the caller), signed with the sender's name. */
export function htmlMail(body: readonly string[], rp: string): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family:system-ui,-apple-system,Segoe ' +
      "UI,Roboto,sans-serif;line-height:1.5;color:#1a1a1a;max-width:32rem;margin:0 " +
      'auto;padding:1.5rem">',
    ...body,
    `<p>— ${escapeHtml(rp)}</p>`,
    "</body></html>",
    "",
  ].join("\n");
}
