// The tools the bench drives, all already installed: wrangler's own miniflare and workerd (what `wrangler dev`
// runs), esbuild, and the Worker settings read from wrangler.toml. Nothing is downloaded at run time.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const fromWrangler = createRequire(createRequire(resolve(ROOT, "package.json")).resolve("wrangler/package.json"));
const miniflarePath = fromWrangler.resolve("miniflare");
const fromMiniflare = createRequire(miniflarePath);

export async function loadMiniflare() {
  return (await import(miniflarePath)).Miniflare;
}

/** The workerd binary wrangler 4.86 runs (its own pinned copy, not the vitest plugin's). */
export const WORKERD = fromMiniflare("workerd").default;
export const WORKERD_VERSION = JSON.parse(readFileSync(fromMiniflare.resolve("workerd/package.json"), "utf8")).version;
export const WRANGLER_VERSION = JSON.parse(readFileSync(fromWrangler.resolve("wrangler/package.json"), "utf8")).version;
export const WebSocket = fromMiniflare("ws");

/** compatibility_date, compatibility_flags and [vars] of wrangler.toml (the only keys the bench needs). */
export function wranglerSettings() {
  const text = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
  let section = "";
  const vars = {};
  let compatibilityDate = null;
  let compatibilityFlags = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\s+|\s+$/g, "");
    if (!line || line.startsWith("#")) continue;
    const header = /^\[+([^\]]+)\]+$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv;
    if (section === "" && key === "compatibility_date") compatibilityDate = JSON.parse(value);
    if (section === "" && key === "compatibility_flags") compatibilityFlags = JSON.parse(value);
    if (section === "vars") vars[key] = JSON.parse(value);
  }
  if (!compatibilityDate) throw new Error("wrangler.toml has no compatibility_date");
  return { compatibilityDate, compatibilityFlags, vars };
}
