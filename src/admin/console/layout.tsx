/** The console's page shell: the sign-in pages' layout, wider, with the console's navigation. */
import type { Child } from "hono/jsx";
import { Layout } from "../../ui/layout";

type ConsoleSection = "users" | "clients" | "resources" | "connections" | "webhooks" | "events";

const SECTIONS: readonly { id: ConsoleSection; href: string; label: string }[] = [
  { id: "users", href: "/admin/users", label: "Users" },
  { id: "clients", href: "/admin/clients", label: "Clients" },
  { id: "resources", href: "/admin/resources", label: "APIs" },
  { id: "connections", href: "/admin/connections", label: "Connections" },
  { id: "webhooks", href: "/admin/webhooks", label: "Webhooks" },
  { id: "events", href: "/admin/events", label: "Audit log" },
];

export interface ConsoleLayoutProps {
  title: string;
  section: ConsoleSection;
  csrf: string;
  notice?: string | undefined;
  children: Child;
}

export function ConsoleLayout({ title, section, csrf, notice, children }: ConsoleLayoutProps) {
  return (
    <Layout title={`${title} · Admin`} csrf={csrf} wide>
      <nav class="console" aria-label="Console">
        <ul>
          {SECTIONS.map((s) => (
            <li>
              <a href={s.href} aria-current={s.id === section ? "page" : undefined}>
                {s.label}
              </a>
            </li>
          ))}
          <li>
            <a href="/account">Your account</a>
          </li>
        </ul>
      </nav>
      <h1>{title}</h1>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {children}
    </Layout>
  );
}

/** A hidden CSRF field: every console form carries one (src/sessions/browser.ts assertCsrf checks it). */
export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="csrf" value={token} />;
}
