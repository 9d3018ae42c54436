import { SELF } from "cloudflare:test";
import { generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { signJwt } from "../../src/oidc/own-tokens";
import { userWithPasskey } from "../helpers/accounts";
import { ORIGIN, type TestBrowser } from "../helpers/browser";
import {
  expectTokens,
  ISSUER,
  postOAuth,
  refresh,
  registerClient,
  signInTokens,
  type TestClient,
  testEnv,
  userIdOf,
  userinfo,
  verifyJwt,
} from "../helpers/oidc-client";

let browser: TestBrowser;
let email: string;

beforeAll(async () => {
  ({ browser, email } = await userWithPasskey());
});

/** RFC 6750 §3.1: 401 with a Bearer challenge naming the error. */
async function expectBearerError(res: Response, status: number, error: string): Promise<void> {
  expect(res.status).toBe(status);
  const challenge = res.headers.get("www-authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer realm="[^"]+"/);
  expect(challenge).toContain(`error="${error}"`);
  expect(res.headers.get("cache-control")).toBe("no-store");
}

function revoke(
  client: TestClient | null,
  form: Record<string, string>,
  opts: { secret?: string } = {},
): Promise<Response> {
  return postOAuth("/revoke", client, form, opts);
}

describe("userinfo (OIDC Core §5.3, RFC 6750)", () => {
  it("answers a Bearer header on GET with sub and the email claims of the email scope", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client, { scope: "openid email" });
    const res = await userinfo(tokens.access_token);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ sub: userIdOf(browser), email, email_verified: true });
  });

  it("answers a form-body access_token on POST (RFC 6750 §2.2)", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    const res = await SELF.fetch(`${ORIGIN}/userinfo`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `access_token=${tokens.access_token}`,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sub: string }).sub).toBe(userIdOf(browser));
  });

  it("releases claims by scope: openid alone gives sub only (OIDC Core §5.4)", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client, { scope: "openid" });
    expect(await (await userinfo(tokens.access_token)).json()).toEqual({ sub: userIdOf(browser) });
  });

  it("no token: 401 with a bare Bearer challenge and no error code (RFC 6750 §3.1)", async () => {
    const res = await SELF.fetch(`${ORIGIN}/userinfo`);
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toMatch(/^Bearer realm="[^"]+"$/);
    expect(challenge).not.toContain("error");
  });

  it("token leakage: an access_token in the query string is not accepted (RFC 9700 §4.3.2)", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    const res = await SELF.fetch(`${ORIGIN}/userinfo?access_token=${tokens.access_token}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).not.toContain("error=");
  });

  it("a token sent two ways at once gets 400 invalid_request (RFC 6750 §2)", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    const res = await SELF.fetch(`${ORIGIN}/userinfo`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/x-www-form-urlencoded" },
      body: `access_token=${tokens.access_token}`,
    });
    await expectBearerError(res, 400, "invalid_request");
  });

  it("forged, foreign-key, expired and ID tokens get 401 invalid_token", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    const config = getConfig(testEnv);
    const now = Date.now();
    const claims = {
      iss: ISSUER,
      sub: userIdOf(browser),
      aud: ISSUER,
      client_id: client.client_id,
      scope: "openid email",
      jti: `j-${crypto.randomUUID()}`,
      gid: "g",
    };
    // Signed with our real key, but expired an hour ago.
    const expired = await signJwt(
      testEnv,
      config,
      "ES256",
      "at+jwt",
      { ...claims, iat: Math.floor(now / 1000) - 3700, exp: Math.floor(now / 1000) - 3600 },
      now,
    );
    // Signed with a key that is not ours, under our kid.
    const { privateKey } = await generateKeyPair("ES256");
    const kid = (await verifyJwt(tokens.access_token)).protectedHeader.kid!;
    const foreign = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid })
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    // Signed with alg none.
    const unsigned = `${btoa(JSON.stringify({ alg: "none", typ: "at+jwt" })).replace(/=+$/, "")}.${btoa(JSON.stringify(claims)).replace(/=+$/, "")}.`;
    // An ID token is not an access token (RFC 9068 §4: typ at+jwt).
    for (const token of ["garbage", expired, foreign, unsigned, tokens.id_token!]) {
      await expectBearerError(await userinfo(token), 401, "invalid_token");
    }
  });

  it("an access token without the openid scope gets 403 insufficient_scope (RFC 6750 §3.1)", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client, { scope: "email" });
    await expectBearerError(await userinfo(tokens.access_token), 403, "insufficient_scope");
  });
});

describe("revocation (RFC 7009)", () => {
  it("revoking a refresh token kills its family: refresh fails and the family's access token is rejected at userinfo", async () => {
    const client = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    const { tokens } = await signInTokens(browser, client);
    const rotated = await expectTokens(await refresh(client, tokens.refresh_token!));
    const res = await revoke(client, { token: rotated.refresh_token!, token_type_hint: "refresh_token" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect((await refresh(client, rotated.refresh_token!)).status).toBe(400);
    await expectBearerError(await userinfo(rotated.access_token), 401, "invalid_token");
    await expectBearerError(await userinfo(tokens.access_token), 401, "invalid_token");
  });

  it("revoking an access token makes userinfo reject it (the hint may be wrong, §2.1)", async () => {
    const client = await registerClient();
    const { tokens } = await signInTokens(browser, client);
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    expect((await revoke(client, { token: tokens.access_token, token_type_hint: "refresh_token" })).status).toBe(200);
    await expectBearerError(await userinfo(tokens.access_token), 401, "invalid_token");
  });

  it("an unknown or garbage token gets 200 (§2.2: invalid tokens do not cause an error)", async () => {
    const client = await registerClient();
    for (const token of ["never-issued", `${"A".repeat(22)}.${"B".repeat(43)}`, "a.b.c"]) {
      expect((await revoke(client, { token })).status).toBe(200);
    }
  });

  it("revocation DoS: another client cannot revoke a token that is not its own (§2.1)", async () => {
    const owner = await registerClient();
    const other = await registerClient();
    const { tokens } = await signInTokens(browser, owner);
    expect((await revoke(other, { token: tokens.refresh_token! })).status).toBe(200);
    expect((await revoke(other, { token: tokens.access_token })).status).toBe(200);
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    await expectTokens(await refresh(owner, tokens.refresh_token!));
  });

  it("missing or wrong client authentication gets 401 invalid_client, and the token survives", async () => {
    const client = await registerClient({ token_endpoint_auth_method: "client_secret_post" });
    const { tokens } = await signInTokens(browser, client);
    const anonymous = await revoke(null, { token: tokens.refresh_token! });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toBe("invalid_client");
    const wrong = await revoke(client, { token: tokens.refresh_token! }, { secret: "wrong" });
    expect(wrong.status).toBe(401);
    await expectTokens(await refresh(client, tokens.refresh_token!));
  });

  it("a request without token gets 400 invalid_request", async () => {
    const client = await registerClient();
    const res = await revoke(client, {});
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
  });
});
