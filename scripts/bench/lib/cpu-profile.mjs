// Where a V8 CPU profile of the Worker spent its time, by package: frames are mapped back to their source file
// through the build's source maps (a small decoder for the "mappings" VLQ, enough for esbuild's output).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...B64].map((c, i) => [c, i]));

/** Per generated line: sorted [generatedColumn, sourceIndex] pairs. */
function decodeMappings(mappings) {
  const lines = [];
  let source = 0;
  for (const lineText of mappings.split(";")) {
    const segs = [];
    let genCol = 0;
    for (const seg of lineText.split(",")) {
      if (!seg) continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const d = DIGIT.get(ch);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      genCol += values[0];
      if (values.length >= 4) {
        source += values[1];
        segs.push([genCol, source]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

function packageOf(sourcePath) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(sourcePath);
  // drizzle-orm ships maps to its own TypeScript as "../src/…", which resolve to node_modules/src/.
  if (m) return m[1] === "src" ? "drizzle-orm" : m[1];
  if (/(^|\/)src\//.test(sourcePath)) return "src (Latchkey)";
  if (/scripts\/bench\//.test(sourcePath)) return "bench entry";
  return sourcePath;
}

/** Maps (module URL, line, column) to { pkg, file }, using `<module>.map` files under `dir`. */
export function sourceLocator(dir) {
  const maps = new Map();
  const load = (module) => {
    if (maps.has(module)) return maps.get(module);
    const path = join(dir, `${module}.map`);
    let entry = null;
    if (existsSync(path)) {
      const map = JSON.parse(readFileSync(path, "utf8"));
      entry = { sources: map.sources, lines: decodeMappings(map.mappings) };
    }
    maps.set(module, entry);
    return entry;
  };
  return (url, line, column) => {
    const module = url.replace(/^.*?((chunks\/)?[^/]+\.js)$/, "$1");
    const map = url.endsWith(".js") ? load(module) : null;
    if (!map) return null;
    const segs = map.lines[line];
    if (!segs?.length) return null;
    let lo = 0;
    let hi = segs.length - 1;
    let hit = segs[0];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid][0] <= column) {
        hit = segs[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const file = (map.sources[hit[1]] ?? "").replace(/^(\.\.\/)+/, "");
    return { pkg: packageOf(file), file };
  };
}

const CRYPTO_NATIVES = new Set([
  "sign",
  "verify",
  "digest",
  "importKey",
  "exportKey",
  "generateKey",
  "getRandomValues",
  "randomUUID",
  "encrypt",
  "decrypt",
  "deriveBits",
  "deriveKey",
  "wrapKey",
  "unwrapKey",
]);
const SQL_NATIVES = new Set(["exec", "one", "toArray", "raw", "next", "columnNames", "rowsRead", "rowsWritten"]);

/**
 * Self time by category: packages of the Worker (through source maps), workerd's binding code (`cloudflare-internal:*`,
 * e.g. the D1 client), native builtins (WebCrypto, fetch, streams: frames with no script), GC and V8 internals.
 */
export function summarizeProfile(profile, locate) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const buckets = new Map();
  const files = new Map();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber, columnNumber } = byId.get(id).callFrame;
    if (functionName === "(idle)") {
      idle += dt;
      return;
    }
    total += dt;
    let key;
    if (functionName === "(garbage collector)") key = "garbage collector";
    else if (functionName === "(program)") key = "V8 / workerd (no JS frame)";
    else if (!url)
      key = CRYPTO_NATIVES.has(functionName)
        ? "WebCrypto (native)"
        : SQL_NATIVES.has(functionName)
          ? "Durable Object SQLite (native)"
          : "other native builtins (fetch, streams, JSON, RPC…)";
    else if (
      url.startsWith("cloudflare-internal:") ||
      url.startsWith("cloudflare:") ||
      url.startsWith("node-internal:")
    )
      key = "workerd binding code (D1 client, RPC, tracing)";
    else if (lineNumber < 0) key = `top-level code of ${url.replace(/^.*\//, "")} (module evaluation)`;
    else {
      const at = locate(url, lineNumber, columnNumber);
      key = at?.pkg ?? url;
      if (at) {
        const f = `${at.file} ${functionName || "(anonymous)"}`;
        files.set(f, (files.get(f) ?? 0) + dt);
      }
    }
    buckets.set(key, (buckets.get(key) ?? 0) + dt);
  });
  const rank = (m) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { busyMs: total / 1000, idleMs: idle / 1000, shares: rank(buckets), functions: rank(files).slice(0, 40) };
}

/** Adds up summaries of several profiles of the same kind of work. */
export function mergeSummaries(list) {
  const ms = new Map();
  const fns = new Map();
  let busyMs = 0;
  let idleMs = 0;
  for (const s of list) {
    busyMs += s.busyMs;
    idleMs += s.idleMs;
    for (const x of s.shares) ms.set(x.name, (ms.get(x.name) ?? 0) + x.ms);
    for (const x of s.functions) fns.set(x.name, (fns.get(x.name) ?? 0) + x.ms);
  }
  const rank = (m) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, v]) => ({ name, ms: v, share: v / busyMs }));
  return { busyMs, idleMs, shares: rank(ms), functions: rank(fns).slice(0, 40) };
}
