/** Redirect URI matching (RFC 9700 §4.1.3, RFC 8252 §7.3) and query retention (RFC 6749 §3.1.2). */
import { describe, expect, it } from "vitest";
import { isRegisteredRedirectUri, withQueryParameters } from "../../src/oidc/redirect-uri";
import { userWithPasskey } from "../helpers/accounts";
import {
  authorizeCode,
  authorizePath,
  exchangeCode,
  expectTokens,
  ISSUER,
  pkce,
  registerClient,
} from "../helpers/oidc-client";

describe("which requested redirect URIs match a registered one", () => {
  const registered = [
    "https://rp.example/cb",
    "http://127.0.0.1/callback",
    "http://[::1]:8080/cb",
    "http://localhost/cb?x=1",
    "http://localhost:3000/cb",
  ];

  it("native app: exact strings match, and a loopback IP literal (127.0.0.1, [::1]) may name any port (RFC 8252 §7.3)", () => {
    const matches = (uri: string) => isRegisteredRedirectUri(registered, uri, "native");
    for (const uri of [
      "https://rp.example/cb",
      "http://127.0.0.1/callback",
      "http://127.0.0.1:53123/callback",
      "http://127.0.0.1:1/callback",
      "http://[::1]/cb",
      "http://[::1]:65535/cb",
      "http://localhost/cb?x=1",
      "http://localhost:3000/cb",
    ]) {
      expect(matches(uri), uri).toBe(true);
    }
    for (const uri of [
      "https://rp.example:8443/cb", // not loopback: the port is part of the exact match
      "https://rp.example/cb/",
      "https://RP.example/cb",
      "http://127.0.0.1:53123/callback/x",
      "http://127.0.0.1:53123/callback?x=1",
      "http://127.0.0.1:65536/callback",
      "http://127.0.0.1:80@evil.example/callback", // userinfo trick
      "http://127.0.0.1.evil.example/callback",
      "https://127.0.0.1:53123/callback", // scheme is not port
      "http://LOCALHOST:3000/cb?x=1",
      "http://[::1]:8080/cb#f",
    ]) {
      expect(matches(uri), uri).toBe(false);
    }
  });

  it("port swap on localhost: even a native app's localhost redirect matches exactly, port included (RFC 8252 §8.3)", () => {
    const matches = (uri: string) => isRegisteredRedirectUri(registered, uri, "native");
    for (const uri of [
      "http://localhost:3000/cb?x=1",
      "http://localhost:4000/cb",
      "http://localhost/cb",
      "http://localhost:80/cb?x=1",
    ])
      expect(matches(uri), uri).toBe(false);
  });

  it("port swap by a web client: its loopback redirect URIs match exactly, port included (RFC 9700 §4.1.3)", () => {
    const matches = (uri: string) => isRegisteredRedirectUri(registered, uri, "web");
    for (const uri of registered) expect(matches(uri), uri).toBe(true);
    for (const uri of [
      "http://127.0.0.1:53123/callback",
      "http://127.0.0.1:80/callback",
      "http://[::1]/cb",
      "http://[::1]:8081/cb",
      "http://localhost:3001/cb",
    ]) {
      expect(matches(uri), uri).toBe(false);
    }
  });

  it("response parameters follow a registered query byte for byte (RFC 6749 §3.1.2)", () => {
    expect(withQueryParameters("https://rp.example/cb", { code: "c", state: null })).toBe(
      "https://rp.example/cb?code=c",
    );
    expect(withQueryParameters("https://rp.example/cb?tenant=a%20b&flag", { code: "c", state: "s 1&x" })).toBe(
      "https://rp.example/cb?tenant=a%20b&flag&code=c&state=s+1%26x",
    );
    expect(withQueryParameters("https://rp.example/cb?", { code: "c" })).toBe("https://rp.example/cb?code=c");
    expect(withQueryParameters("https://rp.example/cb?a=1&", { code: "c" })).toBe("https://rp.example/cb?a=1&code=c");
    // A registered parameter with the same name is not replaced (the client asked for it).
    expect(withQueryParameters("https://rp.example/cb?state=fixed", { state: "s" })).toBe(
      "https://rp.example/cb?state=fixed&state=s",
    );
    expect(withQueryParameters("https://rp.example/cb", {})).toBe("https://rp.example/cb");
  });
});

describe("redirect URIs in the code flow", () => {
  it("a native app's loopback redirect takes the port it runs on; the token endpoint wants that same URI back (RFC 8252 §7.3, RFC 6749 §4.1.3)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ redirect_uris: ["http://127.0.0.1/callback"], application_type: "native" });
    expect(client).toMatchObject({ application_type: "native" });
    const onPort = "http://127.0.0.1:53123/callback";
    const first = await authorizeCode(browser, client, { redirectUri: onPort });
    const otherPort = await exchangeCode(client, first, { redirect_uri: "http://127.0.0.1:53124/callback" });
    expect(otherPort.status).toBe(400);
    expect(await otherPort.json()).toMatchObject({ error: "invalid_grant" });
    const second = await authorizeCode(browser, client, { redirectUri: onPort });
    await expectTokens(await exchangeCode(client, second, { redirect_uri: onPort }));
    // Another path on the loopback host is not registered: no redirect at all.
    const wrongPath = await browser.fetch(
      authorizePath(client, { pkce: await pkce(), redirectUri: "http://127.0.0.1:53123/other" }),
      { headers: { accept: "text/html" } },
    );
    expect(wrongPath.status).toBe(400);
    expect(wrongPath.headers.get("location")).toBeNull();
  });

  it("port swap by a web client: another port on its registered loopback redirect gets an error page, never a redirect (RFC 9700 §4.1.3)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ redirect_uris: ["http://127.0.0.1:8080/callback"] });
    expect(client).toMatchObject({ application_type: "web" });
    for (const uri of ["http://127.0.0.1:53123/callback", "http://127.0.0.1/callback"]) {
      const res = await browser.fetch(authorizePath(client, { pkce: await pkce(), redirectUri: uri }), {
        headers: { accept: "text/html" },
      });
      expect(res.status, uri).toBe(400);
      expect(res.headers.get("location"), uri).toBeNull();
    }
    // The registered URI itself, port included, works.
    await expectTokens(await exchangeCode(client, await authorizeCode(browser, client)));
  });

  it("port swap on localhost: a native app's localhost redirect is matched exactly, port included (RFC 8252 §8.3)", async () => {
    const { browser } = await userWithPasskey();
    const client = await registerClient({ redirect_uris: ["http://localhost:3000/cb"], application_type: "native" });
    const res = await browser.fetch(
      authorizePath(client, { pkce: await pkce(), redirectUri: "http://localhost:4000/cb" }),
      { headers: { accept: "text/html" } },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    await expectTokens(await exchangeCode(client, await authorizeCode(browser, client)));
  });

  it("a registered redirect URI with a query keeps it; code, state and iss follow it", async () => {
    const { browser } = await userWithPasskey();
    const registered = "https://rp.example/cb?tenant=a%20b&flag";
    const client = await registerClient({ redirect_uris: [registered] });
    const res = await browser.fetch(authorizePath(client, { pkce: await pkce(), state: "st" }), {
      headers: { accept: "text/html" },
    });
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(location.startsWith(`${registered}&code=`)).toBe(true);
    expect(location.endsWith(`&state=st&iss=${encodeURIComponent(ISSUER)}`)).toBe(true);
  });
});
