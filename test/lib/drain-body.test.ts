/** drainRequestBody: what the Worker entry reads and throws away so wrangler dev's proxy never loses the connection. */
import { describe, expect, it } from "vitest";
import { DRAIN_BYTE_LIMIT, DRAIN_TIME_LIMIT_MS, drainRequestBody } from "../../src/lib/drain-body";

/** A request whose body is a stream we watch: how many bytes were pulled, and whether it was cancelled. */
function watchedRequest(chunks: number, chunkSize: number, { stall = false } = {}) {
  const seen = { pulled: 0, cancelled: false };
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === chunks) {
        if (stall) return new Promise<void>(() => {}); // never another byte, never the end
        controller.close();
        return;
      }
      sent++;
      seen.pulled += chunkSize;
      controller.enqueue(new Uint8Array(chunkSize));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  const req = new Request("https://id.example/token", { method: "POST", body, duplex: "half" } as RequestInit);
  return { req, seen };
}

describe("draining an unread request body (workers-sdk#5095 under wrangler dev)", () => {
  it("reads an unread body to its end without cancelling it", async () => {
    const { req, seen } = watchedRequest(8, 1024);
    await drainRequestBody(req);
    expect(seen.pulled).toBe(8 * 1024);
    expect(seen.cancelled).toBe(false);
  });

  it("reads the rest of a body a handler stopped reading (the 413 path releases its reader)", async () => {
    const { req, seen } = watchedRequest(8, 1024);
    const reader = req.body!.getReader();
    await reader.read();
    reader.releaseLock();
    await drainRequestBody(req);
    expect(seen.pulled).toBe(8 * 1024);
    expect(seen.cancelled).toBe(false);
  });

  it("a body already read to its end costs nothing", async () => {
    const req = new Request("https://id.example/token", { method: "POST", body: "a=b" });
    await req.text();
    await expect(drainRequestBody(req)).resolves.toBeUndefined();
  });

  it("an oversized hostile body is read only up to the byte limit", async () => {
    const chunk = 256 * 1024;
    const { req, seen } = watchedRequest(64, chunk); // 16 MiB offered
    await drainRequestBody(req);
    expect(seen.pulled).toBeGreaterThan(DRAIN_BYTE_LIMIT);
    expect(seen.pulled).toBeLessThanOrEqual(DRAIN_BYTE_LIMIT + 2 * chunk);
  });

  it("a stalled body does not hold the answer back past the time limit", async () => {
    const { req } = watchedRequest(1, 16, { stall: true });
    const started = Date.now();
    await drainRequestBody(req);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(DRAIN_TIME_LIMIT_MS - 50);
    expect(took).toBeLessThan(DRAIN_TIME_LIMIT_MS + 1000);
  });
});
