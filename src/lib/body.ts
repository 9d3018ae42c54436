/** Reading request bodies with a size cap and a clear 4xx on anything malformed. */
import type { Context } from "hono";
import { ApiError } from "../errors";

export const JSON_BODY_LIMIT = 64 * 1024;
export const FORM_BODY_LIMIT = 16 * 1024;
/** Strict UTF-8 (a malformed byte is an error, not U+FFFD); one instance, since whole-buffer decodes keep no state. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * How long a body may take to arrive. A client that stops sending mid-body gets an answer (408) instead of a request
 * that hangs until the platform gives up; a 64 KiB body takes well under a second even on a slow mobile link.
 */
const BODY_READ_TIMEOUT_MS = 10_000;

/** Reads a request body as UTF-8, refusing more than `limit` bytes whatever Content-Length says (chunked too). */
export async function readCapped(req: Request, limit: number, timeoutMs = BODY_READ_TIMEOUT_MS): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared && Number(declared) > limit)
    throw new ApiError("payload_too_large", `The body is larger than ${limit} bytes.`);
  if (!req.body) return "";
  // The size is counted as the bytes arrive, whatever Content-Length claimed (in-process requests carry only a claim).
  const bytes = await readStreamCapped(req.body, limit, timeoutMs);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ApiError("invalid_request", "The body is not valid UTF-8.");
  }
}

/** Reads a body, refusing it as soon as it passes `limit` bytes or takes longer than `timeoutMs` to arrive. */
async function readStreamCapped(
  body: ReadableStream<Uint8Array>,
  limit: number,
  timeoutMs: number,
): Promise<Uint8Array> {
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const chunk = await Promise.race([reader.read(), late]);
      if (chunk === "late") throw new ApiError("request_timeout", "The body did not arrive in time.");
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > limit) throw new ApiError("payload_too_large", `The body is larger than ${limit} bytes.`);
      chunks.push(chunk.value);
    }
  } catch (err) {
    // Released, not cancelled: what is left is drained (bounded) after the answer (src/lib/drain-body.ts).
    try {
      reader.releaseLock();
    } catch {
      // a read is still pending on a stalled body; the runtime drops it with the request
    }
    if (err instanceof ApiError) throw err;
    throw new ApiError("invalid_request", "The body could not be read.");
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return all;
}

/** Parses a JSON body (application/json only) into `unknown`. */
export async function readJson(c: Context, limit = JSON_BODY_LIMIT): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new ApiError("unsupported_media_type", "Send the body as application/json.");
  const text = await readCapped(c.req.raw, limit);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError("invalid_json", "The body is not valid JSON.");
  }
}

/** Form bodies already read from a request, so code that runs after the handler can look at them again. */
const formTexts = new WeakMap<Request, string>();

/** The text of a form body `readForm` has already read from this request; undefined when it has not. */
export function formTextRead(req: Request): string | undefined {
  return formTexts.get(req);
}

/** Parses an application/x-www-form-urlencoded body; repeated parameters are rejected (RFC 6749 §3.1). */
export async function readForm(
  c: Context,
  limit = FORM_BODY_LIMIT,
  onError: (
    msg: string,
    code: "invalid_request" | "payload_too_large" | "unsupported_media_type" | "request_timeout",
  ) => Error = (m, code) => new ApiError(code, m),
): Promise<Map<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type))
    throw onError("Send the body as application/x-www-form-urlencoded.", "unsupported_media_type");
  let text: string;
  try {
    text = await readCapped(c.req.raw, limit);
  } catch (e) {
    if (e instanceof ApiError)
      throw onError(
        e.message,
        e.code === "payload_too_large" || e.code === "request_timeout" ? e.code : "invalid_request",
      );
    throw e;
  }
  formTexts.set(c.req.raw, text);
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(text)) {
    // The name is the caller's: quoted, but only a short prefix of it.
    if (out.has(k)) throw onError(`Parameter "${k.slice(0, 40)}" is repeated.`, "invalid_request");
    out.set(k, v);
  }
  return out;
}
