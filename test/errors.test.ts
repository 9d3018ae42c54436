/** The one error map (src/errors.ts): the client sees a stable code and our words; a library's text goes to the log. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorResponse } from "../src/errors";

afterEach(() => vi.restoreAllMocks());

describe("errorResponse: internal detail stays in the log", () => {
  it("an unexpected library error: 500 server_error in our words, the error itself logged", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const err = new TypeError("Cannot read properties of undefined (reading 'kid') at /srv/worker.js:42");
    const res = errorResponse(err);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/kid|worker\.js/);
    expect(JSON.parse(text)).toEqual({ error: "server_error", message: "Something went wrong on our side." });
    expect(log).toHaveBeenCalledWith(expect.any(String), err);
  });

  it("a storage fault: 503 temporarily_unavailable without the driver's text, which is logged with its cause", async () => {
    const log = vi.spyOn(console, "warn").mockImplementation(() => {});
    const err = new Error("D1_ERROR: Network connection lost to replica 10.1.2.3");
    const res = errorResponse(err);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toMatch(/10\.1\.2\.3|D1_ERROR|replica/);
    expect(JSON.parse(text)).toMatchObject({ error: "temporarily_unavailable" });
    expect(log).toHaveBeenCalledWith(expect.any(String), err);
  });
});
