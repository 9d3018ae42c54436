/** Minimal schema checks for untrusted bodies: input is `unknown` until these accept it. */
import { ApiError } from "../errors";
import { parseEmailAddress } from "./email-address";

export type Fields = Record<string, unknown>;

export function asObject(body: unknown): Fields {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError("invalid_request", "The body must be a JSON object.");
  }
  return body as Fields;
}

export function requiredString(o: Fields, key: string, max = 2048): string {
  const v = o[key];
  if (typeof v !== "string" || v.length === 0)
    throw new ApiError("invalid_request", `"${key}" must be a non-empty string.`);
  if (v.length > max) throw new ApiError("invalid_request", `"${key}" is too long.`);
  return v;
}

export function optionalString(o: Fields, key: string, max = 2048): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new ApiError("invalid_request", `"${key}" must be a string.`);
  if (v.length > max) throw new ApiError("invalid_request", `"${key}" is too long.`);
  return v;
}

export function requiredObject(o: Fields, key: string): Fields {
  const v = o[key];
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new ApiError("invalid_request", `"${key}" must be an object.`);
  return v as Fields;
}

/**
 * An address as Latchkey stores and mails it (src/lib/email-address.ts: NFC, lower case, A-label domain, ASCII local
 * part).
 */
export function normalizeEmail(raw: unknown): string {
  if (typeof raw !== "string") throw new ApiError("invalid_request", "Enter an email address.");
  const parsed = parseEmailAddress(raw);
  if (!parsed.ok) throw new ApiError("invalid_request", parsed.message);
  return parsed.email;
}
