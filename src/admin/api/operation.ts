/**
 * An admin API operation is declared once: its path, its valibot schemas and its handler. The same declaration
 * mounts the route (validating params, query and body before the handler runs) and becomes its entry in the OpenAPI
 * document (src/admin/api/openapi.ts), so the document cannot drift from what the API accepts.
 */
import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../app-types";
import { ApiError } from "../../errors";
import { readJson } from "../../lib/body";
import { type InvalidField, Problem } from "./problem";

type Schema = v.GenericSchema;
type ObjectSchema = v.ObjectSchema<v.ObjectEntries, undefined>;
type Out<S> = S extends Schema ? v.InferOutput<S> : undefined;

interface ResponseSpec {
  description: string;
  /** The JSON body's schema (none: an empty body, e.g. 204). */
  schema?: Schema;
  /** Defaults to application/json when there is a schema. */
  contentType?: string;
}

export interface Operation<
  P extends ObjectSchema | undefined = ObjectSchema | undefined,
  Q extends ObjectSchema | undefined = ObjectSchema | undefined,
  B extends Schema | undefined = Schema | undefined,
> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path template below /admin/api, e.g. "/users/{id}". */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Success responses by status; every operation also answers 4XX and 5XX with problem details. */
  responses: Record<number, ResponseSpec>;
  handler(c: Context<AppEnv>, input: { params: Out<P>; query: Out<Q>; body: Out<B> }): Response | Promise<Response>;
}

/** Declares an operation with its handler's input typed from the schemas. */
export function operation<
  P extends ObjectSchema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(op: Operation<P, Q, B>): Operation {
  return op as unknown as Operation;
}

/** valibot issues as RFC 9457 invalid fields: a JSON Pointer for the body, the parameter name otherwise. */
function invalidFields(issues: readonly v.BaseIssue<unknown>[], where: "body" | "parameter"): InvalidField[] {
  return issues.map((issue) => {
    const keys = (issue.path ?? []).map((p) => String(p.key));
    if (where === "parameter") return { parameter: keys[0] ?? "", detail: issue.message };
    return {
      pointer: `/${keys.map((k) => k.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`,
      detail: issue.message,
    };
  });
}

function parseParameters<S extends ObjectSchema>(
  schema: S,
  values: Record<string, string>,
  status: number,
): v.InferOutput<S> {
  const result = v.safeParse(schema, values);
  if (result.success) return result.output;
  throw new Problem(
    status,
    status === 404 ? "not-found" : "validation",
    status === 404 ? "There is nothing at this address." : "The query is invalid.",
    status === 404 ? undefined : invalidFields(result.issues, "parameter"),
  );
}

/** The query as single values; a repeated parameter is refused rather than silently reduced to one. */
function singleQuery(c: Context<AppEnv>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (values.length > 1) {
      throw new Problem(400, "validation", "The query is invalid.", [
        { parameter: name, detail: "give this parameter once" },
      ]);
    }
    out[name] = values[0]!;
  }
  return out;
}

/** Mounts each operation on `app` (whose base path is /admin/api). */
export function mountOperations(app: Hono<AppEnv>, operations: readonly Operation[]): void {
  for (const op of operations) {
    const honoPath = op.path.replace(/\{([A-Za-z_]+)\}/g, ":$1");
    app.on(op.method.toUpperCase(), honoPath, async (c) => {
      // A malformed id names nothing: 404, as an unknown one does.
      const params = op.params ? parseParameters(op.params, c.req.param() as Record<string, string>, 404) : undefined;
      const query = op.query ? parseParameters(op.query, singleQuery(c), 400) : undefined;
      let body: unknown;
      if (op.body) {
        let raw: unknown;
        try {
          raw = await readJson(c);
        } catch (err) {
          if (err instanceof ApiError) throw new Problem(err.status, err.code.replaceAll("_", "-"), err.message);
          throw err;
        }
        const result = v.safeParse(op.body, raw);
        if (!result.success) {
          throw new Problem(422, "validation", "The body is invalid.", invalidFields(result.issues, "body"));
        }
        body = result.output;
      }
      return op.handler(c, { params, query, body } as never);
    });
  }
}
