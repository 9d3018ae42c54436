/**
 * Upstream identity providers on loopback for the federation tests: panva's oidc-provider (a certified OpenID
 * Provider), and a small scripted one that answers as a misbehaving provider would (one path prefix per fault)
 * and as GitHub's documented OAuth and REST endpoints do.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import Provider from "oidc-provider";

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server.address().port));
  });
}

function close(server) {
  server.closeAllConnections?.();
  return new Promise((r) => server.close(() => r()));
}

/** oidc-provider with its development login and consent pages; `accounts` maps a login name to its claims. */
export async function startOidcProvider({ redirectUri, clientId, clientSecret }) {
  const accounts = new Map();
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        response_types: ["code"],
        grant_types: ["authorization_code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const claims = accounts.get(id);
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
  });
  server.on("request", provider.callback());
  return { issuer, accounts, stop: () => close(server) };
}

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/**
 * The scripted provider. OpenID Connect under /<mode>: "ok" answers correctly; "denied" answers
 * error=access_denied; "nonce", "issuer", "audience", "expired" and "signature" issue an ID token wrong in that
 * one way; "slow" holds the token response past Latchkey's timeout. GitHub under /gh-verified and
 * /gh-unverified: /login/oauth/authorize, /login/oauth/access_token, /api/v3/user, /api/v3/user/emails.
 */
export async function startScriptedUpstream({ clientId, clientSecret }) {
  const keys = await generateKeyPair("RS256");
  const rogue = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const codes = new Map();
  const tokens = new Map();
  const emails = { ok: "ok@example.com", github: { "gh-verified": "", "gh-unverified": "" } };
  const callbacks = [];
  const tokenRequests = [];
  const server = createServer();
  const port = await listen(server);
  const origin = `http://127.0.0.1:${port}`;

  const json = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const readBody = (req) =>
    new Promise((resolve) => {
      let data = "";
      req.on("data", (c) => {
        data += c;
      });
      req.on("end", () => resolve(new URLSearchParams(data)));
    });
  const clientOk = (req, form) => {
    const basic = req.headers.authorization?.startsWith("Basic ")
      ? Buffer.from(req.headers.authorization.slice(6), "base64").toString().split(":").map(decodeURIComponent)
      : [form.get("client_id"), form.get("client_secret")];
    return basic[0] === clientId && basic[1] === clientSecret;
  };
  /** RFC 7636 §4.6: the verifier must hash to the challenge the authorization request carried. */
  const pkceOk = (entry, verifier) =>
    typeof verifier === "string" && b64url(createHash("sha256").update(verifier).digest()) === entry.challenge;

  async function idToken(mode, entry) {
    const now = Math.floor(Date.now() / 1000);
    const issuer = `${origin}/${mode}`;
    const claims = {
      sub: `${mode}-subject`,
      email: mode === "ok" ? emails.ok : `${mode}@example.com`,
      email_verified: true,
      nonce: mode === "nonce" ? "not-the-nonce" : entry.nonce,
    };
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(mode === "issuer" ? `${origin}/someone-else` : issuer)
      .setAudience(mode === "audience" ? "another-client" : clientId)
      .setIssuedAt(mode === "expired" ? now - 7200 : now)
      .setExpirationTime(mode === "expired" ? now - 3600 : now + 300);
    return jwt.sign(mode === "signature" ? rogue.privateKey : keys.privateKey);
  }

  server.on("request", async (req, res) => {
    const url = new URL(req.url, origin);
    const [, mode, ...rest] = url.pathname.split("/");
    const path = `/${rest.join("/")}`;
    const base = `${origin}/${mode}`;
    if (mode.startsWith("gh-")) return github(req, res, url, mode, path);
    if (path === "/.well-known/openid-configuration") {
      return json(res, 200, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
      });
    }
    if (path === "/jwks") return json(res, 200, { keys: [jwk] });
    if (path === "/authorize") {
      const q = url.searchParams;
      const back = new URL(q.get("redirect_uri"));
      back.searchParams.set("state", q.get("state") ?? "");
      if (mode === "denied") {
        back.searchParams.set("error", "access_denied");
      } else {
        const code = b64url(randomBytes(16));
        codes.set(code, {
          mode,
          nonce: q.get("nonce"),
          challenge: q.get("code_challenge"),
          clientId: q.get("client_id"),
        });
        back.searchParams.set("code", code);
      }
      callbacks.push(back.href);
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (path === "/token" && req.method === "POST") {
      const form = await readBody(req);
      tokenRequests.push({ mode, code: form.get("code") });
      const entry = codes.get(form.get("code"));
      codes.delete(form.get("code"));
      if (!clientOk(req, form)) return json(res, 401, { error: "invalid_client" });
      if (!entry || entry.mode !== mode || !pkceOk(entry, form.get("code_verifier")))
        return json(res, 400, { error: "invalid_grant" });
      if (mode === "slow") await new Promise((r) => setTimeout(r, 8_000));
      if (res.destroyed) return;
      return json(res, 200, {
        access_token: b64url(randomBytes(16)),
        token_type: "Bearer",
        expires_in: 300,
        id_token: await idToken(mode, entry),
      });
    }
    json(res, 404, { error: "not_found" });
  });

  /** GitHub's documented shapes: the token answer, /user, and /user/emails with one primary address. */
  async function github(req, res, url, mode, path) {
    if (path === "/login/oauth/authorize") {
      const q = url.searchParams;
      const code = b64url(randomBytes(16));
      codes.set(code, { mode, challenge: q.get("code_challenge") });
      const back = new URL(q.get("redirect_uri"));
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state") ?? "");
      callbacks.push(back.href);
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (path === "/login/oauth/access_token" && req.method === "POST") {
      const form = await readBody(req);
      tokenRequests.push({ mode, code: form.get("code") });
      const entry = codes.get(form.get("code"));
      codes.delete(form.get("code"));
      if (!clientOk(req, form) || !entry || entry.mode !== mode || !pkceOk(entry, form.get("code_verifier")))
        return json(res, 200, { error: "bad_verification_code" });
      const token = `gho_${b64url(randomBytes(16))}`;
      tokens.set(token, mode);
      return json(res, 200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
    }
    const who = tokens.get(req.headers.authorization?.replace(/^Bearer /, "") ?? "");
    if (who !== mode) return json(res, 401, { message: "Bad credentials" });
    const verified = mode === "gh-verified";
    if (path === "/api/v3/user")
      return json(res, 200, { id: verified ? 1001 : 1002, login: mode, name: verified ? "Octo Verified" : null });
    if (path === "/api/v3/user/emails") {
      return json(res, 200, [
        { email: `secondary-${mode}@example.com`, primary: false, verified: true, visibility: null },
        { email: emails.github[mode], primary: true, verified, visibility: "public" },
      ]);
    }
    json(res, 404, { message: "Not Found" });
  }

  return {
    origin,
    emails,
    /** Every redirect back to Latchkey this provider made, newest last. */
    callbacks,
    /** The code of every token request it got, with the mode it was sent to. */
    tokenRequests,
    stop: () => close(server),
  };
}

/** A loopback port with nothing listening on it: a provider that is down. */
export async function closedPort() {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}
