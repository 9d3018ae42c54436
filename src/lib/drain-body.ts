/**
 * Reads and discards whatever is left of a request body before the response goes out.
 *
 * Under `wrangler dev` every request crosses a second workerd hop (wrangler's ProxyWorker → this Worker). When the
 * Worker answers without consuming the request body, or cancels it, that hop loses the connection and the proxy
 * answers `503 Your worker restarted mid-request` (cloudflare/workers-sdk#5095). Wrangler's own workaround, the
 * `ensure-req-body-drained` middleware (workers-sdk#5106), is injected only into bundles wrangler builds itself;
 * Latchkey ships its own code-split build (`no_bundle = true`), so it drains here instead. On Cloudflare's network
 * this is harmless: only bodies nothing read are drained, and the work is bounded in bytes and time so a hostile or
 * stalled body cannot hold the answer back.
 */

/** At most this many bytes are read and thrown away (a 1 MB hostile body is drained whole). */
export const DRAIN_BYTE_LIMIT = 4 * 1024 * 1024;
/** A body still arriving after this long is left (curl alone waits 1 s for "100 Continue" before a large body). */
export const DRAIN_TIME_LIMIT_MS = 1500;

export async function drainRequestBody(req: Request): Promise<void> {
  const body = req.body;
  // Locked: a reader still holds it (nothing to do here). A body read to its end yields `done` at once below.
  if (!body || body.locked) return;
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = body.getReader();
  } catch {
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<"stalled">((resolve) => {
    timer = setTimeout(() => resolve("stalled"), DRAIN_TIME_LIMIT_MS);
  });
  let size = 0;
  try {
    for (;;) {
      const chunk = await Promise.race([reader.read(), stalled]);
      if (chunk === "stalled" || chunk.done) return;
      size += chunk.value.byteLength;
      if (size > DRAIN_BYTE_LIMIT) return;
    }
  } catch {
    // The client went away mid-body: nothing left to drain.
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    // Released, not cancelled: cancelling is what breaks the dev proxy's connection.
    try {
      reader.releaseLock();
    } catch {
      // a read is still pending on a stalled body; the runtime drops it with the request
    }
  }
}
