import { describe, expect, it } from "vitest";
import { limitKeyForIp } from "../../src/abuse/rate-limiter";
import { safeReturnTo } from "../../src/lib/return-to";

const O = "http://localhost:8787";

describe("safeReturnTo (open redirect defence)", () => {
  it("keeps same-origin paths with their query", () => {
    expect(safeReturnTo("/authorize/continue?rid=abc", O)).toBe("/authorize/continue?rid=abc");
  });
  it.each([
    "//evil.example/x",
    "/\\evil.example",
    "https://evil.example/",
    "/.//evil.example",
    "/..//evil.example",
    "/%2e//evil.example",
    "javascript:alert(1)",
    "/a\u0000b",
    "",
    "x".repeat(3000),
  ])("refuses %j", (raw) => {
    expect(safeReturnTo(raw, O)).toBe("/account");
  });
  it("is idempotent: what it returns passes through unchanged", () => {
    for (const raw of ["/a/../b?c=1", "/.//evil", "/%2e%2e/x", "/account"]) {
      const once = safeReturnTo(raw, O);
      expect(safeReturnTo(once, O)).toBe(once);
      expect(once.startsWith("//")).toBe(false);
    }
  });
});

describe("per-IP limit keys", () => {
  it("IPv6 addresses share their /64; IPv4 stays per address", () => {
    expect(limitKeyForIp("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(limitKeyForIp("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(limitKeyForIp("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(limitKeyForIp("203.0.113.9")).toBe("203.0.113.9");
  });
});
