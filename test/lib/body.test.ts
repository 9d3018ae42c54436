/** readCapped: the size cap counted as bytes arrive, strict UTF-8, and a deadline for bodies that stop arriving. */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { readCapped } from "../../src/lib/body";

/** A POST whose body sends `first` and then nothing more, never ending (a client that stalls mid-body). */
function stalledRequest(first: string, headers: Record<string, string> = {}): Request {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent) return new Promise<void>(() => {});
      sent = true;
      controller.enqueue(new TextEncoder().encode(first));
    },
  });
  return new Request("https://id.example/token", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

describe("reading request bodies", () => {
  it("stalled body: a client that stops sending mid-body gets request_timeout, not a request that hangs", async () => {
    const started = Date.now();
    const err = await readCapped(stalledRequest("grant_type=authorization_code&code="), 1024, 200).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("request_timeout");
    expect((err as ApiError).status).toBe(408);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a lying Content-Length does not lift the cap: the bytes are counted as they arrive", async () => {
    const req = new Request("https://id.example/token", {
      method: "POST",
      body: "x".repeat(2048),
      headers: { "content-length": "10" },
    });
    await expect(readCapped(req, 1024)).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("reads a body within the cap as strict UTF-8", async () => {
    const ok = new Request("https://id.example/token", { method: "POST", body: "a=é" });
    expect(await readCapped(ok, 1024)).toBe("a=é");
    const bad = new Request("https://id.example/token", { method: "POST", body: new Uint8Array([0x61, 0xff]) });
    await expect(readCapped(bad, 1024)).rejects.toMatchObject({ code: "invalid_request" });
  });
});
