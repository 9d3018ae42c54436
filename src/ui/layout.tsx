/** The page shell: one stylesheet, one external script, CSRF token in a meta tag, no inline script. */
import type { Child } from "hono/jsx";

export interface LayoutProps {
  title: string;
  csrf?: string;
  children: Child;
  /** Page name for the script (data-page on <body>). */
  page?: string;
  /** A wider card, for tables (the admin console). */
  wide?: boolean;
}

export function Layout({ title, csrf, children, page, wide }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        {csrf ? <meta name="csrf-token" content={csrf} /> : null}
        <title>{`${title} · Latchkey`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script type="module" src="/assets/app.js" defer></script>
      </head>
      <body data-page={page ?? ""}>
        <main class={wide ? "card wide" : "card"}>{children}</main>
      </body>
    </html>
  );
}

export function Status() {
  return <p id="status" class="status" role="status" aria-live="polite"></p>;
}
