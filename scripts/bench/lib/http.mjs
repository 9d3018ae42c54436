// Loopback HTTP client with keep-alive, and a closed-loop runner: `concurrency` callers, each sending its next
// request as soon as the previous one answered, for a fixed count of jobs or a fixed time.
import http from "node:http";
import { performance } from "node:perf_hooks";

export class Client {
  constructor(base, concurrency) {
    const url = new URL(base);
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost")
      throw new Error(`the bench only talks to loopback, not ${url.hostname}`);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  /** One request; resolves with status, headers and the body as text. Never follows redirects. */
  request(method, path, { headers = {}, body } = {}) {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: payload ? { ...headers, "content-length": payload.length } : headers,
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  close() {
    this.agent.destroy();
  }
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN;
}

/**
 * Runs `job(i)` (async; throws on a wrong answer) with `concurrency` callers until `count` jobs ran or `seconds`
 * passed. Returns completions per second over the wall time of the run, latency percentiles and the errors.
 */
export async function closedLoop({ concurrency, job, count = Infinity, seconds = Infinity }) {
  const latencies = [];
  const errors = [];
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const caller = async () => {
    for (;;) {
      const i = next++;
      if (i >= count || performance.now() >= deadline) return;
      const s = performance.now();
      try {
        await job(i);
        latencies.push(performance.now() - s);
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const wall = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    errors: errors.length,
    errorSamples: [...new Set(errors)].slice(0, 5),
    seconds: wall,
    perSecond: latencies.length / wall,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** Throws with the response when the status is not the expected one. */
export function expectStatus(res, status, what) {
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 200)}`);
  return res;
}

/** name=value pairs of Set-Cookie headers. */
export function setCookies(res) {
  const out = {};
  for (const line of res.headers["set-cookie"] ?? []) {
    const [pair] = line.split(";");
    const eq = pair.indexOf("=");
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}
