/**
 * /demo: a tiny relying party inside the same Worker. It runs the full code + PKCE flow against the
 * provider's own HTTP endpoints (called in-process), verifies the ID token against the JWKS, and calls userinfo.
 */
import { type Context, Hono } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import type { AppEnv } from "../app-types";
import { base64url, randomToken, sha256 } from "../lib/crypto";
import { ensureClient } from "../oidc/clients";
import { Layout } from "../ui/layout";
import { ErrorPage } from "../ui/pages/error";
import { renderPage } from "../ui/render";
import { DEMO_CLIENT_ID, demoClient } from "./demo-client";

/** How the demo reaches the provider: the app's own fetch, in-process (a Worker cannot fetch its own hostname). */
export type ProviderFetch = (req: Request, c: Context<AppEnv>) => Promise<Response>;

const TX_COOKIE = "lk_demo_tx";
const SESSION_COOKIE = "lk_demo";
const DEMO_SESSION_TTL_S = 3600;

interface DemoSession {
  idToken: string;
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  scope: string;
  hasRefreshToken: boolean;
}

export function demoRoutes(provider: ProviderFetch) {
  const routes = new Hono<AppEnv>();

  routes.use("/demo", ensureDemo());
  routes.use("/demo/*", ensureDemo());

  routes.get("/demo", async (c) => {
    const session = await loadDemoSession(c);
    return renderPage(
      c,
      <Layout title="Demo app">
        <h1>Demo app</h1>
        {session ? (
          <>
            <p>
              Signed in through Latchkey as <strong>{String(session.userinfo.email ?? session.claims.sub)}</strong>.
            </p>
            <h2>Verified ID token claims</h2>
            <pre id="id-token-claims">{JSON.stringify(session.claims, null, 2)}</pre>
            <h2>UserInfo response</h2>
            <pre id="userinfo">{JSON.stringify(session.userinfo, null, 2)}</pre>
            <p>
              Scope: {session.scope}; refresh token: {session.hasRefreshToken ? "received" : "none"}
            </p>
            <form method="post" action="/demo/logout">
              <button type="submit" class="primary">
                Sign out of the demo
              </button>
            </form>
          </>
        ) : (
          <>
            <p>
              This is a relying party living next to the provider. It signs you in with OpenID Connect (code flow +
              PKCE).
            </p>
            <p>
              <a class="button primary" href="/demo/login" id="demo-signin">
                Sign in with Latchkey
              </a>
            </p>
          </>
        )}
      </Layout>,
    );
  });

  routes.get("/demo/login", async (c) => {
    const config = c.get("config");
    const tx = { state: randomToken(16), nonce: randomToken(16), verifier: randomToken(32) };
    await setSignedCookie(c, TX_COOKIE, JSON.stringify(tx), config.keyEncryptionSecret, {
      path: "/demo",
      httpOnly: true,
      secure: config.secureCookies,
      sameSite: "Lax",
      maxAge: 600,
    });
    const url = new URL(`${config.issuer}/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: DEMO_CLIENT_ID,
      redirect_uri: `${config.origin}/demo/callback`,
      // No offline_access: the demo needs nothing once the person signs out (OIDC Core §11).
      scope: "openid email profile",
      state: tx.state,
      nonce: tx.nonce,
      code_challenge: base64url(await sha256(tx.verifier)),
      code_challenge_method: "S256",
    }).toString();
    return c.redirect(url.toString(), 302);
  });

  routes.get("/demo/callback", async (c) => {
    const config = c.get("config");
    const raw = await getSignedCookie(c, config.keyEncryptionSecret, TX_COOKIE);
    deleteCookie(c, TX_COOKIE, { path: "/demo" });
    if (!raw) return failure(c, "The sign-in transaction was not found (cookie missing). Start again.");
    const tx = JSON.parse(raw) as { state: string; nonce: string; verifier: string };
    const q = (k: string) => c.req.query(k);
    if (q("state") !== tx.state) return failure(c, "state does not match: possible CSRF.");
    // RFC 9207: the response comes from the issuer we sent the person to.
    if (q("iss") !== config.issuer) return failure(c, "iss does not match the issuer.");
    if (q("error")) return failure(c, `The provider answered ${q("error")}: ${q("error_description") ?? ""}`);
    const tokenRes = await provider(
      new Request(`${config.origin}/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: q("code") ?? "",
          redirect_uri: `${config.origin}/demo/callback`,
          client_id: DEMO_CLIENT_ID,
          code_verifier: tx.verifier,
        }),
      }),
      c,
    );
    const tokens = (await tokenRes.json()) as Record<string, string>;
    if (!tokenRes.ok || !tokens.id_token || !tokens.access_token)
      return failure(c, `Token exchange failed: ${tokens.error ?? tokenRes.status}`);
    const jwks = (await (await provider(new Request(`${config.origin}/jwks.json`), c)).json()) as JSONWebKeySet;
    let claims: Record<string, unknown>;
    try {
      const verified = await jwtVerify(tokens.id_token, createLocalJWKSet(jwks), {
        issuer: config.issuer,
        audience: DEMO_CLIENT_ID,
      });
      claims = verified.payload;
    } catch (err) {
      // jose's message stays in the log; the page says what failed in our words.
      console.warn("demo: the ID token did not verify", err);
      return failure(c, "The ID token did not verify.");
    }
    if (claims.nonce !== tx.nonce) return failure(c, "nonce does not match.");
    const userinfoRes = await provider(
      new Request(`${config.origin}/userinfo`, { headers: { Authorization: `Bearer ${tokens.access_token}` } }),
      c,
    );
    const userinfo = (await userinfoRes.json()) as Record<string, unknown>;
    const id = randomToken(24);
    const session: DemoSession = {
      idToken: tokens.id_token,
      claims,
      userinfo,
      scope: tokens.scope ?? "",
      hasRefreshToken: Boolean(tokens.refresh_token),
    };
    await c.env.KV.put(`demo:${id}`, JSON.stringify(session), { expirationTtl: DEMO_SESSION_TTL_S });
    await setSignedCookie(c, SESSION_COOKIE, id, config.keyEncryptionSecret, {
      path: "/demo",
      httpOnly: true,
      secure: config.secureCookies,
      sameSite: "Lax",
      maxAge: DEMO_SESSION_TTL_S,
    });
    return c.redirect("/demo", 303);
  });

  routes.post("/demo/logout", async (c) => {
    const config = c.get("config");
    const session = await loadDemoSession(c);
    const id = await getSignedCookie(c, config.keyEncryptionSecret, SESSION_COOKIE);
    if (id) await c.env.KV.delete(`demo:${id}`);
    deleteCookie(c, SESSION_COOKIE, { path: "/demo" });
    const url = new URL(`${config.issuer}/logout`);
    url.searchParams.set("post_logout_redirect_uri", `${config.origin}/demo`);
    url.searchParams.set("client_id", DEMO_CLIENT_ID);
    if (session) url.searchParams.set("id_token_hint", session.idToken);
    return c.redirect(url.toString(), 303);
  });

  return routes;
}

const demoClientEnsured = new WeakSet<D1Database>();

function ensureDemo() {
  return async function ensureDemoMiddleware(
    c: Context<AppEnv>,
    next: () => Promise<void>,
  ): Promise<Response | undefined> {
    const config = c.get("config");
    if (!config.demoEnabled) return c.notFound();
    // One INSERT OR IGNORE per isolate, not one D1 write per demo page view.
    if (!demoClientEnsured.has(c.env.DB)) {
      await ensureClient(c.env, demoClient(config));
      demoClientEnsured.add(c.env.DB);
    }
    await next();
    return undefined;
  };
}

async function loadDemoSession(c: Context<AppEnv>): Promise<DemoSession | null> {
  const id = await getSignedCookie(c, c.get("config").keyEncryptionSecret, SESSION_COOKIE);
  if (!id) return null;
  return c.env.KV.get<DemoSession>(`demo:${id}`, "json");
}

function failure(c: Context<AppEnv>, text: string) {
  return renderPage(
    c,
    <ErrorPage title="Demo sign-in failed" message={text} link={{ href: "/demo", label: "Back to the demo" }} />,
    400,
  );
}
