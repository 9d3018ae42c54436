import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("smoke", () => {
  it("answers healthz and has D1 tables", async () => {
    const res = await SELF.fetch("http://localhost:8787/healthz");
    expect(res.status).toBe(200);
    const r = await env.DB.prepare("SELECT count(*) AS n FROM users").first<{ n: number }>();
    expect(r?.n).toBe(0);
    const stub = env.USER.get(env.USER.idFromName("user:x"));
    expect(await stub.consumeOnce({ id: "a", expiresAt: Date.now() + 1000 })).toBe(true);
    expect(await stub.consumeOnce({ id: "a", expiresAt: Date.now() + 1000 })).toBe(false);
  });
});
