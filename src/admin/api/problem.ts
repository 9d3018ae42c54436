/** RFC 9457 problem details: the admin API's one error format. */
import { ApiError, BearerError, OAuthError } from "../../errors";

/** One invalid field: a JSON Pointer (RFC 6901) into the body, or the name of a query or path parameter. */
export interface InvalidField {
  pointer?: string;
  parameter?: string;
  detail: string;
}

/** RFC 9457 §3.1 `type`: a URN per kind of problem (§3.1.1 allows any URI; "about:blank" means "just the status"). */
const PROBLEM_TYPE = (slug: string) => `urn:latchkey:problem:${slug}`;

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export class Problem extends Error {
  override name = "Problem";
  constructor(
    readonly status: number,
    /** Short slug for the `type` URN, e.g. "validation", "conflict". */
    readonly slug: string,
    readonly detail: string,
    readonly errors?: InvalidField[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

function problemBody(p: Problem): Record<string, unknown> {
  return {
    type: PROBLEM_TYPE(p.slug),
    title: TITLES[p.status] ?? "Error",
    status: p.status,
    detail: p.detail,
    ...(p.errors ? { errors: p.errors } : {}),
  };
}

export function problemResponse(p: Problem): Response {
  return new Response(JSON.stringify(problemBody(p)), {
    status: p.status,
    headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store", ...p.headers },
  });
}

/** Any error as a problem: ours keep their status and words; anything else is a 500 whose reason is only logged. */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof ApiError) {
    const headers: Record<string, string> =
      err.retryAfter !== undefined ? { "Retry-After": String(err.retryAfter) } : {};
    return new Problem(err.status, err.code.replaceAll("_", "-"), err.message, undefined, headers);
  }
  if (err instanceof BearerError) {
    // RFC 6750 §3: the challenge; §3.1 no error code when no credentials came.
    const challenge =
      err.code && err.inChallenge ? `Bearer realm="latchkey", error="${err.code}"` : 'Bearer realm="latchkey"';
    return new Problem(err.status, "unauthorized", "A valid admin bearer token is required.", undefined, {
      "WWW-Authenticate": challenge,
    });
  }
  if (err instanceof OAuthError)
    return new Problem(err.status, err.code.replaceAll("_", "-"), err.description ?? err.code);
  console.error(JSON.stringify({ event: "admin_api_error", reason: String(err instanceof Error ? err.stack : err) }));
  return new Problem(500, "internal", "Something went wrong on our side. Try again in a moment.");
}
