/**
 * Calling the admin API through the Worker, and checking every answer against the OpenAPI document the API serves
 * (the document is fetched once; each response is validated with a JSON Schema 2020-12 validator).
 */

import { SELF } from "cloudflare:test";
import { Validator } from "@cfworker/json-schema";
import { expect } from "vitest";

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const API = "http://localhost:8787/admin/api";

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components: { schemas: Record<string, unknown> };
};
type ResponseObject = { content?: Record<string, { schema: Record<string, unknown> }> };

let doc: Promise<Doc> | null = null;

export function openApi(): Promise<Doc> {
  doc ??= SELF.fetch(`${API}/openapi.json`).then((r) => r.json() as Promise<Doc>);
  return doc;
}

/** The document's path template that matches a concrete path ("/users/abc" -> "/users/{id}"). */
function templateOf(d: Doc, path: string): string | null {
  for (const template of Object.keys(d.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (re.test(path)) return template;
  }
  return null;
}

/**
 * Asserts that `res` is described by the document for `method` `path`: its status (or the 4XX/5XX range) is listed,
 * its content type is the listed one, and its body validates against the listed schema. Returns the parsed body.
 */
async function expectConformant(res: Response, method: string, path: string): Promise<unknown> {
  const d = await openApi();
  const pathname = new URL(path, `${API}/`).pathname.replace(/^\/admin\/api/, "");
  const template = templateOf(d, pathname);
  expect(template, `no path in the document for ${pathname}`).not.toBeNull();
  const op = d.paths[template!]![method.toLowerCase()];
  expect(op, `no ${method} ${template} in the document`).toBeDefined();
  const spec = op!.responses[String(res.status)] ?? op!.responses[`${String(res.status)[0]}XX`];
  expect(spec, `status ${res.status} of ${method} ${template} is not in the document`).toBeDefined();
  // Decoded by hand: workerd warns on .text() for a type it does not know as text (application/x-ndjson).
  const text = new TextDecoder().decode(await res.arrayBuffer());
  if (!spec!.content) {
    expect(text, `${method} ${template} ${res.status} has a body the document does not describe`).toBe("");
    return null;
  }
  const [type, media] = Object.entries(spec!.content)[0]!;
  expect(res.headers.get("content-type") ?? "").toContain(type);
  if (type === "application/x-ndjson") return text;
  const body = JSON.parse(text) as unknown;
  const schema = { ...media.schema, $defs: undefined, components: d.components };
  const validator = new Validator(resolveRefs(schema, d) as never, "2020-12", false);
  const result = validator.validate(body);
  expect(result.errors, `${method} ${template} ${res.status}: ${JSON.stringify(body).slice(0, 500)}`).toEqual([]);
  return body;
}

/** Inlines "#/components/schemas/X" references (the validator resolves against the schema, not the document). */
function resolveRefs(node: unknown, d: Doc): unknown {
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, d));
  if (node && typeof node === "object") {
    const ref = (node as { $ref?: string }).$ref;
    if (ref?.startsWith("#/components/schemas/")) return resolveRefs(d.components.schemas[ref.slice(21)], d);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRefs(v, d)]));
  }
  return node;
}

/** One admin API call with the admin token (or `token`), its answer checked against the document. */
export async function adminCall(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await SELF.fetch(`${API}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const status = res.status;
  const resHeaders = res.headers;
  const parsed = await expectConformant(res, method, path.split("?")[0]!);
  return { status, headers: resHeaders, body: parsed };
}
