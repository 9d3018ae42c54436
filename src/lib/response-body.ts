/** Reading another server's response body with a size cap: a hostile or broken server cannot fill the isolate. */

/** The body was larger than allowed (by its Content-Length, or by the bytes that came). */
export class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`response larger than ${limit} bytes`);
    this.name = "ResponseTooLarge";
  }
}

/** At most `limit` bytes of the body; more is refused without reading the rest (the stream is cancelled). */
export async function readResponseCapped(res: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await res.body?.cancel();
    throw new ResponseTooLarge(limit);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new ResponseTooLarge(limit);
    }
    chunks.push(value);
  }
  return new Uint8Array(await new Blob(chunks).arrayBuffer());
}
