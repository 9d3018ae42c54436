/** A plain message page (errors, "check your email", expired links). */
import type { Child } from "hono/jsx";
import { Layout } from "../layout";

export function MessagePage({ title, children }: { title: string; children: Child }) {
  return (
    <Layout title={title}>
      <h1>{title}</h1>
      {children}
    </Layout>
  );
}
