/** The webhook URL policy (src/webhooks/url-policy.ts), as a pure function. */
import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isInternalHost, MAX_WEBHOOK_URL_LENGTH } from "../../src/webhooks/url-policy";

const prod = { allowInsecure: false };
const dev = { allowInsecure: true };

describe("checkWebhookUrl", () => {
  it("accepts a public https URL and normalises it", () => {
    expect(checkWebhookUrl("https://Hooks.Example.com/in?x=1", prod)).toEqual({
      ok: true,
      url: "https://hooks.example.com/in?x=1",
    });
  });

  it("refuses http, other schemes, credentials, fragments and overlong URLs outside dev", () => {
    for (const url of [
      "http://hooks.example.com/in",
      "ftp://hooks.example.com/in",
      "https://user:pass@hooks.example.com/in",
      "https://user@hooks.example.com/in",
      "https://hooks.example.com/in#frag",
      `https://hooks.example.com/${"a".repeat(MAX_WEBHOOK_URL_LENGTH)}`,
      "not a url",
    ]) {
      expect(checkWebhookUrl(url, prod).ok, url).toBe(false);
    }
  });

  it("refuses loopback, private, link-local, CGNAT and local names outside dev", () => {
    for (const host of [
      "localhost",
      "api.localhost",
      "printer.local",
      "db.internal",
      "intranet",
      "127.0.0.1",
      "127.1",
      "2130706433",
      "0x7f.0.0.1",
      "0.0.0.0",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "100.127.255.255",
      "[::1]",
      "[::]",
      "[fe80::1]",
      "[fc00::1]",
      "[fd12:3456::1]",
      "[::ffff:127.0.0.1]",
      "[::ffff:10.0.0.1]",
    ]) {
      expect(checkWebhookUrl(`https://${host}/hook`, prod).ok, host).toBe(false);
    }
  });

  it("accepts public neighbours of the private ranges", () => {
    for (const host of ["172.32.0.1", "100.128.0.1", "11.0.0.1", "[2606:4700::1111]", "[::ffff:8.8.8.8]"]) {
      expect(checkWebhookUrl(`https://${host}/hook`, prod).ok, host).toBe(true);
    }
  });

  it("on a localhost dev issuer allows http and loopback, still no credentials", () => {
    expect(checkWebhookUrl("http://127.0.0.1:9999/hook", dev).ok).toBe(true);
    expect(checkWebhookUrl("http://u:p@127.0.0.1:9999/hook", dev).ok).toBe(false);
    expect(checkWebhookUrl("file:///etc/passwd", dev).ok).toBe(false);
  });

  it("judges hosts as the URL parser serialises them", () => {
    expect(isInternalHost(new URL("https://0177.0.0.1/").hostname)).toBe(true);
    expect(isInternalHost(new URL("https://[0:0:0:0:0:ffff:7f00:1]/").hostname)).toBe(true);
    expect(isInternalHost("example.com")).toBe(false);
  });
});
