// The flows as a relying party and a browser drive them, one HTTP request per step, checked for the right answer.
import { createHash, randomBytes } from "node:crypto";
import { expectStatus, setCookies } from "./http.mjs";
import { assertion, newPasskeyUser } from "./passkey.mjs";
import { ADMIN_TOKEN } from "./provider.mjs";

const REDIRECT_URI = "http://127.0.0.1/bench/callback";

export class Flows {
  /** `origin` and `rpId` are the provider's ISSUER origin and RP_ID (what assertions must name). */
  constructor(client, { origin, rpId }) {
    this.client = client;
    this.origin = origin;
    this.rpId = rpId;
    /** Extra headers on every request (x-bench-count: 1 while counting). */
    this.extra = {};
  }

  #req(method, path, opts = {}) {
    return this.client.request(method, path, { ...opts, headers: { ...this.extra, ...opts.headers } });
  }

  /** Users with passkeys, inserted through the bench entry's seed endpoint. */
  async seedUsers(n) {
    const users = Array.from({ length: n }, (_, i) => newPasskeyUser(i));
    for (let i = 0; i < users.length; i += 100) {
      const res = await this.#req("POST", "/__bench/seed", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify(users.slice(i, i + 100).map((u) => u.seed)),
      });
      expectStatus(res, 200, "seed");
    }
    return users;
  }

  /**
   * A first-party confidential client (RFC 7591), refresh tokens allowed, ES256 ID tokens: asked for explicitly, since a
   * client that names no algorithm gets RS256 (OIDC Registration §2) and the crypto-only bounds sign ES256.
   */
  async registerClient() {
    const res = await this.#req("POST", "/register", {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "Bench RP",
        redirect_uris: [REDIRECT_URI],
        grant_types: ["authorization_code", "refresh_token"],
        token_endpoint_auth_method: "client_secret_basic",
        first_party: true,
        id_token_signed_response_alg: "ES256",
      }),
    });
    const info = JSON.parse(expectStatus(res, 201, "register").text);
    return {
      id: info.client_id,
      basic: `Basic ${Buffer.from(`${encodeURIComponent(info.client_id)}:${encodeURIComponent(info.client_secret)}`).toString("base64")}`,
    };
  }

  /**
   * A resource server, a confidential client_credentials client granted one of its scopes, through the admin API:
   * what a machine client of a site's API looks like (RFC 6749 §4.4, RFC 8707).
   */
  async registerMachineClient() {
    const admin = async (method, path, body, expected) => {
      const res = await this.#req(method, `/admin/api${path}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return JSON.parse(expectStatus(res, expected, `admin ${method} ${path}`).text);
    };
    const api = await admin(
      "POST",
      "/resources",
      {
        identifier: "https://orders.bench.example/",
        name: "Bench API",
        scopes: [{ value: "orders:read", description: "Read orders" }],
      },
      201,
    );
    const info = await admin(
      "POST",
      "/clients",
      { client_name: "Bench machine", grant_types: ["client_credentials"] },
      201,
    );
    await admin("PUT", `/clients/${info.client_id}/grants/${api.id}`, { scopes: ["orders:read"] }, 200);
    return {
      id: info.client_id,
      resource: api.identifier,
      basic: `Basic ${Buffer.from(`${encodeURIComponent(info.client_id)}:${encodeURIComponent(info.client_secret)}`).toString("base64")}`,
    };
  }

  /** Loads the sign-in page: the browser cookie and the CSRF token bound to it. */
  async browser() {
    const res = expectStatus(
      await this.#req("GET", "/signin", { headers: { accept: "text/html" } }),
      200,
      "GET /signin",
    );
    const cookie = setCookies(res).lk_browser;
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(res.text)?.[1];
    if (!cookie || !csrf) throw new Error("the sign-in page set no browser cookie or CSRF token");
    return { cookie: `lk_browser=${cookie}`, csrf };
  }

  /** POST /auth/passkey/options (usernameless): the challenge. */
  async signInOptions(browser) {
    const res = await this.#req("POST", "/auth/passkey/options", {
      headers: { cookie: browser.cookie, "x-csrf-token": browser.csrf, "content-type": "application/json" },
      body: "{}",
    });
    return JSON.parse(expectStatus(res, 200, "passkey options").text).challenge;
  }

  /** The verify request body for `user` over `challenge` (signed here, in Node). */
  signInBody(user, challenge) {
    return JSON.stringify({ response: assertion(user, challenge, { origin: this.origin, rpId: this.rpId }) });
  }

  /** POST /auth/passkey/verify: the session cookie. */
  async signInVerify(browser, body) {
    const res = await this.#req("POST", "/auth/passkey/verify", {
      headers: { cookie: browser.cookie, "x-csrf-token": browser.csrf, "content-type": "application/json" },
      body,
    });
    expectStatus(res, 200, "passkey verify");
    const session = setCookies(res).lk_session;
    if (!session) throw new Error("passkey verify set no session cookie");
    return { res, session: `lk_session=${session}` };
  }

  /** GET /authorize with a signed-in session (SSO): a code and its PKCE verifier. */
  async authorize(client, session) {
    const verifier = randomBytes(32).toString("base64url");
    const q = new URLSearchParams({
      response_type: "code",
      client_id: client.id,
      redirect_uri: REDIRECT_URI,
      scope: "openid email",
      state: randomBytes(8).toString("base64url"),
      nonce: randomBytes(8).toString("base64url"),
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
    });
    const res = await this.#req("GET", `/authorize?${q}`, { headers: { cookie: session } });
    expectStatus(res, 302, "authorize");
    const code = new URL(res.headers.location).searchParams.get("code");
    if (!code) throw new Error(`authorize redirected without a code: ${res.headers.location}`);
    return { res, code, verifier };
  }

  /** POST /token, authorization_code: the token response. */
  async exchange(client, code, verifier) {
    const body = new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    }).toString();
    const res = await this.#req("POST", "/token", {
      headers: { authorization: client.basic, "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const tokens = JSON.parse(expectStatus(res, 200, "code exchange").text);
    if (!tokens.id_token || !tokens.refresh_token)
      throw new Error("code exchange returned no ID token or refresh token");
    return { res, tokens };
  }

  /** POST /token, refresh_token: the rotated refresh token. */
  async refresh(client, refreshToken) {
    const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString();
    const res = await this.#req("POST", "/token", {
      headers: { authorization: client.basic, "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const tokens = JSON.parse(expectStatus(res, 200, "refresh").text);
    if (!tokens.refresh_token || tokens.refresh_token === refreshToken)
      throw new Error("refresh did not rotate the refresh token");
    return { res, tokens };
  }

  /** POST /token, client_credentials for the machine client's API: one access token, nothing else. */
  async clientCredentials(machine) {
    const body = new URLSearchParams({ grant_type: "client_credentials", resource: machine.resource }).toString();
    const res = await this.#req("POST", "/token", {
      headers: { authorization: machine.basic, "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const tokens = JSON.parse(expectStatus(res, 200, "client_credentials").text);
    if (!tokens.access_token || tokens.refresh_token || tokens.id_token)
      throw new Error("client_credentials did not answer one access token alone");
    return { res, tokens };
  }

  async jwks() {
    const res = expectStatus(await this.#req("GET", "/jwks.json"), 200, "jwks");
    if (!JSON.parse(res.text).keys?.length) throw new Error("the JWKS has no keys");
    return { res };
  }

  async discovery() {
    const res = expectStatus(await this.#req("GET", "/.well-known/openid-configuration"), 200, "discovery");
    if (!JSON.parse(res.text).issuer) throw new Error("discovery has no issuer");
    return { res };
  }

  /** A bound of a flow (scripts/bench/crypto-bounds.ts), sent a body like the flow's request, answering `answerBytes`. */
  async bound(name, { type, body }, answerBytes) {
    const headers = { "content-type": type, "x-bound-answer-bytes": String(answerBytes) };
    return {
      res: expectStatus(
        await this.#req("POST", `/__bench/bound/${encodeURIComponent(name)}`, { headers, body }),
        200,
        `bound ${name}`,
      ),
    };
  }

  /** Serves `body` from the static bound (what JWKS and discovery are measured against). */
  async setStatic(name, res) {
    expectStatus(
      await this.#req("PUT", `/__bench/bound/static/${name}`, {
        headers: { "content-type": res.headers["content-type"] },
        body: res.text,
      }),
      204,
      "static bound",
    );
  }

  async staticBound(name) {
    return { res: expectStatus(await this.#req("GET", `/__bench/bound/static/${name}`), 200, `static bound ${name}`) };
  }
}

/** Storage round trips of a counted response (bench entry with x-bench-count: 1). */
export function storageOf(res) {
  const raw = res.headers["x-bench-storage"];
  if (!raw) throw new Error("the response carries no x-bench-storage header (is this the bench entry?)");
  return JSON.parse(raw);
}
