/** Keeps a `return_to` continuation safe: same-origin absolute paths only (no open redirect). */

const MAX_LENGTH = 2048;

/** Returns the path (with query) when `raw` is a same-origin path, otherwise `fallback`. */
export function safeReturnTo(raw: string | null | undefined, origin: string, fallback = "/account"): string {
  if (!raw || raw.length > MAX_LENGTH) return fallback;
  // Only absolute paths: no scheme-relative "//evil", no backslash tricks browsers normalise to "/".
  if (!raw.startsWith("/") || raw.startsWith("//") || raw.includes("\\")) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return fallback;
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin) return fallback;
  const out = url.pathname + url.search;
  // Normalisation can turn "/.//evil.example" into "//evil.example": check what we return, not just the input.
  if (out.startsWith("//") || out.includes("\\")) return fallback;
  return out;
}
