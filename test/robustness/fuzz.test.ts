/**
 * Property-based fuzzing of every JSON and form endpoint: random and malformed bodies, content types and
 * headers (with valid cookies and CSRF tokens in some runs, so the parsers behind the CSRF check are reached).
 * Property: never a 5xx, and every answer has the documented shape for its endpoint — Latchkey's JSON API
 * `{error, message}`, RFC 6749 §5.2 / RFC 7591 §3.2.2 `{error[, error_description]}`, RFC 6750 §3
 * WWW-Authenticate at /userinfo, HTML for pages and form posts — with `Cache-Control: no-store` on errors.
 */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { API_ERRORS, OAUTH_ERRORS } from "../../src/errors";
import { FORM_BODY_LIMIT, JSON_BODY_LIMIT } from "../../src/lib/body";
import { fromBase64url } from "../../src/lib/crypto";
import { addPasskey, redeemLink, storedLinkFor, uniqueEmail } from "../helpers/accounts";
import { ORIGIN, TestBrowser } from "../helpers/browser";
import {
  ADMIN_TOKEN,
  authorizeCode,
  exchangeCode,
  expectTokens,
  pkce,
  REDIRECT_URI,
  registerClient,
  type TestClient,
} from "../helpers/oidc-client";
import { SoftAuthenticator } from "../helpers/soft-authenticator";

// ---------------------------------------------------------------------------------------------- fixtures

/** Placeholder replaced, at send time, by the CSRF token of the browser the request goes out as. */
const CSRF = "CSRFMARKER";

interface Fixtures {
  anon: { browser: TestBrowser; csrf: string };
  user: { browser: TestBrowser; csrf: string; email: string; auth: SoftAuthenticator };
  /** Signed in too, for the endpoints that may sign it out (/signout, end-all, /logout). */
  victim: { browser: TestBrowser; csrf: string };
  publicClient: TestClient;
  basicClient: TestClient;
  accessToken: string;
  refreshToken: string;
}

let fx: Fixtures;

async function signedIn(prefix: string): Promise<{ browser: TestBrowser; csrf: string; email: string }> {
  const email = uniqueEmail(prefix);
  const browser = new TestBrowser();
  const token = await storedLinkFor(browser, email);
  expect((await redeemLink(browser, token)).status).toBe(303);
  return { browser, csrf: await browser.csrf(), email };
}

beforeAll(async () => {
  const anon = new TestBrowser();
  const user = await signedIn("fuzz");
  const auth = await addPasskey(user.browser);
  const victim = await signedIn("fuzz-victim");
  const publicClient = await registerClient({ post_logout_redirect_uris: ["https://rp.example/bye"] });
  const basicClient = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
  const tokens = await expectTokens(await exchangeCode(publicClient, await authorizeCode(user.browser, publicClient)));
  fx = {
    anon: { browser: anon, csrf: await anon.csrf() },
    user: { ...user, auth },
    victim,
    publicClient,
    basicClient,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token!,
  };
}, 30_000);

// ---------------------------------------------------------------------------------------------- arbitraries

const printable = (max: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((n) => String.fromCharCode(n)), maxLength: max });
/** Unicode including lone surrogates, NUL, bidi overrides and astral characters. */
const nastyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "\u0000",
      "\u202e",
      "\u2066",
      "\ufeff",
      "\r\n",
      "%",
      "%zz",
      "%ff",
      "&",
      "=",
      "+",
      '"',
      "\\",
      "<script>",
      "../",
      "\u{1f600}",
    ),
  },
);
const nastyString = (max = 40) => fc.string({ unit: nastyChar, maxLength: max });
/** Exactly `n` bytes of ASCII filler. */
const filler = (n: number) => "a".repeat(Math.max(0, n));
/** Sizes around the caps: just under, at, just over, well over. */
const hugeSize = fc.constantFrom(
  FORM_BODY_LIMIT - 10,
  FORM_BODY_LIMIT,
  FORM_BODY_LIMIT + 1,
  20_000,
  JSON_BODY_LIMIT - 10,
  JSON_BODY_LIMIT,
  JSON_BODY_LIMIT + 1,
  70_000,
);

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  nastyString(),
  fc.constant(""),
  fc.constant("0"),
  fc.constant(-1),
  fc.constant(1e308),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString(8), scalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: hugeSize.map((n) => filler(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => nest(n, "a")) },
);

/** `n` levels of {"a": {"a": …}} (or arrays). */
function nest(n: number, leaf: unknown, arrays = false): unknown {
  let v = leaf;
  for (let i = 0; i < n; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** Values that look right for a field (so the checks behind the type checks run), mixed with junk. */
function plausible(key: string): fc.Arbitrary<unknown> {
  const known: Record<string, unknown[]> = {
    email: ["a@b.example", "A@B.EXAMPLE ", "a@b", "@b.example", `x@${"y".repeat(250)}.example`, "a\ud800@b.example"],
    return_to: [
      "/account",
      "//evil.example",
      "https://evil.example/",
      "/\\evil",
      "/a\u0000b",
      `/authorize/continue?rid=${"r".repeat(30)}`,
    ],
    token: ["A".repeat(43), "a".repeat(42), `${"-_".repeat(21)}a`],
    csrf: [CSRF],
    id: ["AAAA", "x".repeat(2000)],
    sid: ["s".repeat(22)],
    confirm: ["yes", "no"],
    grant_type: [
      "authorization_code",
      "refresh_token",
      "client_credentials",
      "password",
      "urn:ietf:params:oauth:grant-type:device_code",
    ],
    code: [`${"u".repeat(22)}.${"c".repeat(43)}`, "bad.code"],
    code_verifier: ["v".repeat(43), "v".repeat(42), "v".repeat(129)],
    redirect_uri: [REDIRECT_URI, "https://evil.example/cb", "javascript:alert(1)"],
    client_id: ["CLIENT", "unknown-client", "x".repeat(300)],
    client_secret: ["secret", ""],
    refresh_token: ["REFRESH", `${"u".repeat(22)}.${"r".repeat(43)}`],
    scope: ["openid", "openid email offline_access", "admin", " "],
    resource: ["https://api.example/", "not a url", "https://a.example/#frag"],
    token_type_hint: ["refresh_token", "access_token", "junk"],
    access_token: ["ACCESS", "e30.e30.e30"],
    response_type: ["code", "token", "code id_token"],
    code_challenge: ["c".repeat(43), "short"],
    code_challenge_method: ["S256", "plain"],
    prompt: ["none", "login", "consent", "none login", "select_account create"],
    max_age: ["0", "-1", "1e9", "abc", "99999999999999999999"],
    nonce: ["n"],
    state: ["s"],
    id_token_hint: ["e30.e30.e30", "eyJhbGciOiJub25lIn0.e30."],
    post_logout_redirect_uri: ["https://rp.example/bye", "https://evil.example/"],
    request: ["e30.e30."],
    redirect_uris: [
      [REDIRECT_URI],
      ["http://127.0.0.1:9/cb"],
      ["com.example.app:/cb"],
      ["https://a.example/#"],
      [],
      "https://a.example/cb",
      [1],
    ],
    post_logout_redirect_uris: [["https://rp.example/bye"]],
    token_endpoint_auth_method: ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"],
    grant_types: [["authorization_code"], ["refresh_token"], ["implicit"], []],
    response_types: [["code"], ["token"]],
    client_name: ["App", " ", "a\u202eb", "x".repeat(201)],
    logo_uri: ["https://a.example/logo.png", "http://a.example/logo.png", "data:image/png;base64,AA"],
    id_token_signed_response_alg: ["ES256", "RS256", "none", "HS256"],
    first_party: [true, false, "true"],
    name: ["My key", " ", "x".repeat(65)],
    turnstile_token: ["t"],
  };
  const good = Object.hasOwn(known, key) ? known[key]! : [""];
  return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...good) }, { weight: 3, arbitrary: anyValue });
}

/** A JSON object using the endpoint's field names (plus a few hostile ones) with plausible or wrong-typed values. */
function fieldObject(fields: string[]): fc.Arbitrary<Record<string, unknown>> {
  const keys = [...fields, "__proto__", "constructor", "toString", ""];
  return fc
    .array(
      fc.constantFrom(...keys).chain((k) => plausible(k).map((v) => [k, v] as const)),
      { maxLength: fields.length + 2 },
    )
    .map((pairs) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of pairs)
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    });
}

type Body = string | Uint8Array;

/** Random JSON-ish bodies: field objects, arbitrary JSON, deep nesting, huge, not JSON at all, invalid UTF-8. */
function jsonBody(fields: string[], nested: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<Body> {
  const withNested = Object.keys(nested).length
    ? fc.tuple(fieldObject(fields), fc.record(nested, { requiredKeys: [] })).map(([a, b]) => ({ ...a, ...b }))
    : fieldObject(fields);
  return fc.oneof(
    { weight: 6, arbitrary: withNested.map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 30_000 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 12_000 }).map((n) => `${'{"response":'.repeat(n)}{}${"}".repeat(n)}`),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((n) => "[".repeat(n)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...fields), hugeSize)
        .map(([k, n]) => `{"${k}":"${filler(n - k.length - 7)}"}`),
    },
    { weight: 1, arbitrary: nastyString(200) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "null",
        "[]",
        "1",
        '"s"',
        "{",
        '{"a":1}garbage',
        "\ufeff{}",
        '{"__proto__":{"admin":true}}',
      ),
    },
  );
}

/** Random form bodies: known fields (repeats allowed), percent junk, huge, JSON, invalid UTF-8. */
function formBody(fields: string[]): fc.Arbitrary<Body> {
  const value = (k: string) =>
    fc.oneof(
      plausible(k).map((v) => (typeof v === "string" ? v : (JSON.stringify(v) ?? ""))),
      nastyString(30),
    );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(
          fc.constantFrom(...fields, "x", "").chain((k) => value(k).map((v) => [k, v] as [string, string])),
          { maxLength: fields.length + 3 },
        )
        .map((pairs) => new URLSearchParams(pairs).toString()),
    },
    { weight: 2, arbitrary: nastyString(200) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...fields), hugeSize).map(([k, n]) => `${k}=${filler(n - k.length - 1)}`),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "&&&",
        "=",
        "a=%",
        "a=%zz&a=%ff",
        "a=1&a=2",
        `csrf=${CSRF}&csrf=${CSRF}`,
        "%00=%00",
      ),
    },
  );
}

const FORM = "application/x-www-form-urlencoded";
function contentType(natural: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(natural) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        undefined,
        "",
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/json;charset=latin1",
        "application/jsonx",
        FORM,
        `${FORM}; charset=UTF-8`,
        "Application/X-WWW-Form-Urlencoded",
        "text/plain",
        "text/plain;charset=UTF-8",
        "multipart/form-data; boundary=xyz",
        "*/*",
        "application/x-www-form-urlencoded-evil",
      ),
    },
    { weight: 1, arbitrary: printable(60) },
  );
}

/** Authorization header junk, plus the real admin token and real client credentials now and then. */
const authorization = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: printable(80) },
  { weight: 1, arbitrary: printable(80).map((s) => `Bearer ${s}`) },
  { weight: 1, arbitrary: printable(40).map((s) => `Basic ${s}`) },
  { weight: 1, arbitrary: fc.tuple(printable(30), printable(30)).map(([a, b]) => `Basic ${btoa(`${a}:${b}`)}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `Bearer ${ADMIN_TOKEN}`,
      `bearer ${ADMIN_TOKEN} `,
      "Bearer",
      "Bearer  x",
      "Basic",
      "Basic ===",
      "Basic Og==",
      "Basic CLIENTBASIC",
      "Bearer ACCESS",
      "DPoP ACCESS",
      `Basic ${btoa("%zz:%zz")}`,
    ),
  },
);

interface Extra {
  authorization?: string;
  origin?: string;
  fetchSite?: string;
  csrfHeader?: string;
  accept?: string;
  ip?: string;
}
const extraHeaders: fc.Arbitrary<Extra> = fc.record(
  {
    authorization,
    origin: fc.constantFrom(ORIGIN, ORIGIN, "https://evil.example", "null", ""),
    fetchSite: fc.constantFrom("same-origin", "none", "cross-site", "same-site"),
    csrfHeader: fc.oneof(fc.constant(CSRF), fc.constant(CSRF), printable(50)),
    accept: fc.constantFrom("text/html", "application/json", "*/*", ""),
    ip: fc.constantFrom("203.0.113.7", "2001:db8::1", "x".repeat(65)),
  },
  { requiredKeys: [] },
);

type As = "none" | "anon" | "user" | "victim";

// ---------------------------------------------------------------------------------------------- sending

interface FuzzRequest {
  method: "GET" | "POST";
  path: string;
  as: As;
  contentType?: string;
  body?: Body;
  extra: Extra;
}

function who(as: As): { browser: TestBrowser; csrf: string } | null {
  return as === "none" ? null : fx[as];
}

/** Fills in the placeholders (CSRF token, client ids, tokens) for the browser the request goes out as. */
function fill(s: string, as: As): string {
  return s
    .replaceAll(CSRF, who(as)?.csrf ?? "no-csrf")
    .replaceAll("CLIENTBASIC", btoa(`${fx.basicClient.client_id}:${fx.basicClient.client_secret}`))
    .replaceAll("CLIENT", fx.publicClient.client_id)
    .replaceAll("REFRESH", fx.refreshToken)
    .replaceAll("ACCESS", fx.accessToken);
}

async function send(r: FuzzRequest): Promise<Response> {
  const headers = new Headers();
  const { extra } = r;
  if (extra.authorization !== undefined) headers.set("authorization", fill(extra.authorization, r.as));
  if (extra.origin !== undefined) headers.set("origin", extra.origin);
  if (extra.fetchSite !== undefined) headers.set("sec-fetch-site", extra.fetchSite);
  if (extra.csrfHeader !== undefined) headers.set("x-csrf-token", fill(extra.csrfHeader, r.as));
  if (extra.accept !== undefined) headers.set("accept", extra.accept);
  if (extra.ip !== undefined) headers.set("cf-connecting-ip", extra.ip);
  if (r.contentType !== undefined) headers.set("content-type", r.contentType);
  const browser = who(r.as)?.browser;
  if (browser?.cookies.size) headers.set("cookie", [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
  // Bytes, so that no content type is added on its own.
  const body =
    r.method === "GET" || r.body === undefined
      ? undefined
      : typeof r.body === "string"
        ? new TextEncoder().encode(fill(r.body, r.as))
        : r.body;
  const res = await SELF.fetch(ORIGIN + fill(r.path, r.as), { method: r.method, headers, body, redirect: "manual" });
  // Keep the browser's cookies current (a fuzzed /signout may end the victim's session: that is fine).
  if (browser) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const name = pair!.slice(0, pair!.indexOf("=")).trim();
      const value = pair!.slice(pair!.indexOf("=") + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === "") browser.cookies.delete(name);
      else browser.cookies.set(name, value);
    }
  }
  return res;
}

// ---------------------------------------------------------------------------------------------- oracle

/** Which wire formats an error answer of this endpoint may take. */
type Kind = "api" | "form" | "oauth" | "register" | "userinfo" | "authorize" | "logout";
type Format = "api" | "oauth" | "empty" | "html";

/** A form post as a browser sends it (any case): app.tsx answers those with an HTML page on page routes. */
function browserForm(r: FuzzRequest): boolean {
  return r.method === "POST" && (r.contentType ?? "").toLowerCase().startsWith(FORM);
}

function errorFormats(kind: Kind, r: FuzzRequest): Format[] {
  switch (kind) {
    case "api":
      // Latchkey's JSON API answers in JSON whatever content type was sent.
      return ["api"];
    case "form":
    case "logout":
      return r.method === "GET" || browserForm(r) ? ["html"] : ["api", "html"];
    case "oauth":
    case "register":
      return ["oauth"];
    case "userinfo":
      // RFC 6750 §3.1: no error code (and no body) when no token was sent at all.
      return ["oauth", "empty"];
    case "authorize":
      return ["html"];
  }
}

/** RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
const OAUTH_DESCRIPTION = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

function formatOf(
  res: Response,
  text: string,
): { format: Format | "unknown"; problem?: string; body?: Record<string, unknown> } {
  const type = res.headers.get("content-type") ?? "";
  if (text === "" && !type) return { format: "empty" };
  if (type.startsWith("text/html"))
    return text.startsWith("<!doctype html>")
      ? { format: "html" }
      : { format: "unknown", problem: "HTML without doctype" };
  if (!type.startsWith("application/json")) return { format: "unknown", problem: `content-type ${type}` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { format: "unknown", problem: "body is not JSON" };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { format: "unknown", problem: "body is not an object" };
  const o = body as Record<string, unknown>;
  if (typeof o.error !== "string") return { format: "unknown", problem: "no error code" };
  const keys = Object.keys(o);
  if (o.error in API_ERRORS && typeof o.message === "string" && keys.length === 2) return { format: "api", body: o };
  if (o.error in OAUTH_ERRORS && keys.every((k) => ["error", "error_description", "error_uri"].includes(k)))
    return { format: "oauth", body: o };
  return { format: "unknown", problem: `members ${keys.join(",")}` };
}

async function expectWellFormed(kind: Kind, r: FuzzRequest, res: Response): Promise<void> {
  const text = await res.text();
  const where = `${r.method} ${r.path.slice(0, 300)} as ${r.as}, content-type ${JSON.stringify(r.contentType)}, body ${JSON.stringify(typeof r.body === "string" ? r.body.slice(0, 120) : r.body?.slice(0, 20))}, headers ${JSON.stringify(r.extra).slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`;
  expect(res.status, where).toBeLessThan(500);
  expect(res.headers.get("x-content-type-options"), where).toBe("nosniff");

  if (res.status >= 400) {
    const allowed = errorFormats(kind, r);
    const got = formatOf(res, text);
    expect(allowed, `${where}: format ${got.format} ${got.problem ?? ""}`).toContain(got.format);
    expect(res.headers.get("cache-control") ?? "", where).toContain("no-store");
    const body = got.body;
    if (got.format === "api") {
      expect(res.status, `${where}: status matches the code`).toBe(API_ERRORS[body!.error as keyof typeof API_ERRORS]);
      expect(String(body!.message).length, `${where}: message echoes no huge input`).toBeLessThanOrEqual(500);
    }
    if (got.format === "oauth" && body!.error_description !== undefined) {
      expect(typeof body!.error_description, where).toBe("string");
      expect(String(body!.error_description), `${where}: RFC 6749 §5.2 character set`).toMatch(OAUTH_DESCRIPTION);
      expect(String(body!.error_description).length, `${where}: description echoes no huge input`).toBeLessThanOrEqual(
        500,
      );
    }
    // RFC 6749 §5.2 / RFC 6750 §3: a 401 of the OAuth endpoints names its authentication scheme.
    if (res.status === 401 && got.format !== "api" && got.format !== "html")
      expect(res.headers.get("www-authenticate"), `${where}: 401 without WWW-Authenticate`).toBeTruthy();
    if (kind === "userinfo") {
      // RFC 6750 §3: the Bearer challenge, carrying the body's error code when there is one.
      expect([400, 401, 403], where).toContain(res.status);
      const challenge = res.headers.get("www-authenticate") ?? "";
      expect(challenge, where).toMatch(/^Bearer realm="latchkey"/);
      if (body) expect(challenge, where).toContain(`error="${String(body.error)}"`);
    }
    return;
  }

  if (res.status >= 300) {
    const location = res.headers.get("location") ?? "";
    expect(location, `${where}: a redirect has a Location`).not.toBe("");
    if (!location.startsWith("/") || location.startsWith("//")) {
      // Only to a URI registered by the client (RFC 6749 §3.1.2, RP-Initiated Logout §3): never an open redirect.
      const registered = [
        ...fx.publicClient.redirect_uris,
        ...fx.basicClient.redirect_uris,
        ...fx.publicClient.post_logout_redirect_uris,
      ];
      expect(
        registered.some((u) => location === u || location.startsWith(`${u}?`)),
        `${where}: redirect to ${location}`,
      ).toBe(true);
    }
    return;
  }

  // 2xx
  const type = res.headers.get("content-type") ?? "";
  if (kind === "api" || kind === "oauth" || kind === "register" || kind === "userinfo") {
    if (text !== "") {
      expect(type, where).toMatch(/^application\/json/);
      expect(() => JSON.parse(text), where).not.toThrow();
    }
    expect(res.headers.get("cache-control") ?? "", where).toContain("no-store");
  } else {
    expect(type, where).toMatch(/^text\/html/);
  }
}

// ---------------------------------------------------------------------------------------------- endpoints

interface Endpoint {
  kind: Kind;
  method: "GET" | "POST";
  path: string;
  as: As[];
  body?: fc.Arbitrary<Body>;
  natural?: string;
  runs: number;
  /** A GET's query string. */
  query?: fc.Arbitrary<string>;
  /**
   * What a well-behaved caller adds, used in about half the runs so the fuzzing gets past the CSRF and client
   * checks into the parsers behind them: parameters put first in the form or query, Authorization values.
   */
  valid?: { params?: string; authorization?: string[] };
}

const clientData = (challenge: fc.Arbitrary<string>) =>
  fc
    .record({
      type: fc.constantFrom("webauthn.get", "webauthn.create", "x"),
      challenge,
      origin: fc.constantFrom(ORIGIN, "https://evil.example"),
    })
    .map((o) => b64url(JSON.stringify(o)));

function b64url(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
const credentialResponse = fc.record(
  {
    id: plausible("id"),
    rawId: anyValue,
    type: fc.constantFrom("public-key", "x", 1),
    response: fc.record(
      {
        clientDataJSON: fc.oneof(clientData(fc.oneof(fc.constant("A".repeat(43)), nastyString(50))), anyValue),
        authenticatorData: anyValue,
        signature: anyValue,
        userHandle: anyValue,
        attestationObject: anyValue,
        transports: anyValue,
      },
      { requiredKeys: [] },
    ),
    clientExtensionResults: anyValue,
    authenticatorAttachment: anyValue,
  },
  { requiredKeys: [] },
);

/** Query strings of the endpoint's parameters; mostly each once, sometimes repeated (RFC 6749 §3.1 forbids that). */
const queryString = (fields: string[]) => {
  const pair = fc.constantFrom(...fields, "x").chain((k) =>
    fc
      .oneof(
        plausible(k).map((v) => (typeof v === "string" ? v : (JSON.stringify(v) ?? ""))),
        nastyString(20),
      )
      .map((v) => [k, v] as [string, string]),
  );
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.uniqueArray(pair, { selector: ([k]) => k, maxLength: fields.length }) },
      { weight: 1, arbitrary: fc.array(pair, { maxLength: fields.length + 2 }) },
    )
    .map((pairs) => new URLSearchParams(pairs).toString());
};

const AUTHORIZE_FIELDS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "prompt",
  "max_age",
  "login_hint",
  "id_token_hint",
  "request",
  "request_uri",
  "ui_locales",
];
const LOGOUT_FIELDS = ["id_token_hint", "client_id", "post_logout_redirect_uri", "state", "confirm", "csrf"];

const ENDPOINTS: Endpoint[] = [
  {
    kind: "api",
    method: "POST",
    path: "/auth/email",
    as: ["none", "anon", "user"],
    body: jsonBody(["email", "return_to", "turnstile_token"]),
    natural: "application/json",
    runs: 100,
  },
  {
    kind: "api",
    method: "POST",
    path: "/auth/passkey/options",
    as: ["none", "anon", "user"],
    body: jsonBody(["email"]),
    natural: "application/json",
    runs: 100,
  },
  {
    kind: "api",
    method: "POST",
    path: "/auth/passkey/verify",
    as: ["none", "anon", "user"],
    body: jsonBody(["response", "return_to"], { response: credentialResponse }),
    natural: "application/json",
    runs: 120,
  },
  {
    kind: "api",
    method: "POST",
    path: "/auth/passkey/register/options",
    as: ["none", "user"],
    body: jsonBody(["name"]),
    natural: "application/json",
    runs: 60,
  },
  {
    kind: "api",
    method: "POST",
    path: "/auth/passkey/register/verify",
    as: ["none", "user"],
    body: jsonBody(["response", "name", "return_to"], { response: credentialResponse }),
    natural: "application/json",
    runs: 120,
  },
  {
    kind: "form",
    method: "POST",
    path: "/auth/link",
    as: ["none", "anon", "user"],
    body: formBody(["token", "csrf"]),
    natural: FORM,
    runs: 100,
    valid: { params: `csrf=${CSRF}` },
  },
  {
    kind: "form",
    method: "POST",
    path: "/account/passkeys/rename",
    as: ["none", "anon", "user"],
    body: formBody(["id", "name", "csrf"]),
    natural: FORM,
    runs: 80,
    valid: { params: `csrf=${CSRF}` },
  },
  {
    kind: "form",
    method: "POST",
    path: "/account/passkeys/delete",
    as: ["none", "anon", "user"],
    body: formBody(["id", "confirm", "csrf"]),
    natural: FORM,
    runs: 80,
    valid: { params: `csrf=${CSRF}` },
  },
  {
    kind: "form",
    method: "POST",
    path: "/account/sessions/end",
    as: ["none", "anon", "user"],
    body: formBody(["sid", "csrf"]),
    natural: FORM,
    runs: 60,
    valid: { params: `csrf=${CSRF}` },
  },
  {
    kind: "form",
    method: "POST",
    path: "/account/sessions/end-all",
    as: ["none", "anon", "victim"],
    body: formBody(["csrf"]),
    natural: FORM,
    runs: 60,
    valid: { params: `csrf=${CSRF}` },
  },
  {
    kind: "form",
    method: "POST",
    path: "/signout",
    as: ["none", "anon", "victim"],
    body: formBody(["csrf"]),
    natural: FORM,
    runs: 60,
    valid: { params: `csrf=${CSRF}` },
  },
  {
    kind: "oauth",
    method: "POST",
    path: "/token",
    as: ["none"],
    body: formBody([
      "grant_type",
      "code",
      "redirect_uri",
      "code_verifier",
      "client_id",
      "client_secret",
      "refresh_token",
      "scope",
      "resource",
    ]),
    natural: FORM,
    runs: 150,
    valid: { params: "client_id=CLIENT" },
  },
  {
    kind: "oauth",
    method: "POST",
    path: "/revoke",
    as: ["none"],
    body: formBody(["token", "token_type_hint", "client_id", "client_secret"]),
    natural: FORM,
    runs: 100,
    valid: { authorization: ["Basic CLIENTBASIC"] },
  },
  {
    kind: "register",
    method: "POST",
    path: "/register",
    as: ["none"],
    body: jsonBody([
      "redirect_uris",
      "token_endpoint_auth_method",
      "grant_types",
      "response_types",
      "client_name",
      "logo_uri",
      "post_logout_redirect_uris",
      "id_token_signed_response_alg",
      "first_party",
    ]),
    natural: "application/json",
    runs: 120,
    valid: { authorization: [`Bearer ${ADMIN_TOKEN}`] },
  },
  {
    kind: "userinfo",
    method: "GET",
    path: "/userinfo",
    as: ["none"],
    runs: 60,
    query: queryString(["access_token"]),
    valid: { authorization: ["Bearer ACCESS"] },
  },
  {
    kind: "userinfo",
    method: "POST",
    path: "/userinfo",
    as: ["none"],
    body: formBody(["access_token"]),
    natural: FORM,
    runs: 80,
    valid: { params: "access_token=ACCESS" },
  },
  {
    kind: "authorize",
    method: "GET",
    path: "/authorize",
    as: ["none", "anon", "user"],
    runs: 120,
    query: queryString(AUTHORIZE_FIELDS),
    valid: { params: `client_id=CLIENT&redirect_uri=${encodeURIComponent(REDIRECT_URI)}` },
  },
  {
    kind: "authorize",
    method: "POST",
    path: "/authorize",
    as: ["none", "anon", "user"],
    body: formBody(AUTHORIZE_FIELDS),
    natural: FORM,
    runs: 80,
    valid: { params: `client_id=CLIENT&redirect_uri=${encodeURIComponent(REDIRECT_URI)}` },
  },
  {
    kind: "logout",
    method: "GET",
    path: "/logout",
    as: ["none", "anon", "victim"],
    runs: 60,
    query: queryString(LOGOUT_FIELDS),
    valid: { params: "client_id=CLIENT" },
  },
  {
    kind: "logout",
    method: "POST",
    path: "/logout",
    as: ["none", "anon", "victim"],
    body: formBody(LOGOUT_FIELDS),
    natural: FORM,
    runs: 60,
    valid: { params: `csrf=${CSRF}` },
  },
];

/** Headers of a same-origin request from the page (CSRF header, Origin, Sec-Fetch-Site), for the valid half of the runs. */
function validExtra(ep: Endpoint): fc.Arbitrary<Extra> {
  const auth = ep.valid?.authorization;
  return fc.record(
    {
      origin: fc.constant(ORIGIN),
      fetchSite: fc.constantFrom("same-origin", "none"),
      csrfHeader: fc.constant(CSRF),
      accept: fc.constantFrom("text/html", "application/json", "*/*"),
      ...(auth ? { authorization: fc.constantFrom(...auth) } : {}),
    },
    { requiredKeys: ["csrfHeader", ...(auth ? (["authorization"] as const) : [])] },
  );
}

function requestFor(ep: Endpoint): fc.Arbitrary<FuzzRequest> {
  const signedInAs = ep.as.filter((a) => a !== "none");
  return fc
    .record({
      valid: fc.boolean(),
      as: fc.constantFrom(...ep.as),
      validAs: signedInAs.length ? fc.constantFrom(...signedInAs) : fc.constant<As>("none"),
      contentType: ep.natural ? contentType(ep.natural) : fc.constant(undefined),
      body: ep.body ?? fc.constant(undefined),
      extra: extraHeaders,
      validHeaders: validExtra(ep),
      query: ep.query ?? fc.constant(""),
    })
    .map(({ valid, as, validAs, contentType: ct, body, extra, validHeaders, query }) => {
      const params = valid ? ep.valid?.params : undefined;
      const join = (a: string | undefined, b: string) => (a ? (b ? `${a}&${b}` : a) : b);
      // The caller's own parameters replace the random ones of the same name (a repeat would stop at the parser).
      const named = new Set([...new URLSearchParams(params ?? "").keys()]);
      const rest =
        ep.method === "GET" && named.size
          ? new URLSearchParams([...new URLSearchParams(query)].filter(([k]) => !named.has(k))).toString()
          : query;
      const q = ep.method === "GET" ? join(params, rest) : query;
      const b = ep.method === "POST" && typeof body === "string" && ep.natural === FORM ? join(params, body) : body;
      return {
        method: ep.method,
        path: q ? `${ep.path}?${q}` : ep.path,
        as: valid ? validAs : as,
        ...(ct !== undefined ? { contentType: ct } : {}),
        ...(b !== undefined ? { body: b } : {}),
        extra: valid ? validHeaders : extra,
      };
    });
}

describe("fuzzing every JSON and form endpoint", () => {
  for (const ep of ENDPOINTS) {
    it(`${ep.method} ${ep.path}: never a 5xx, always its documented error shape (${ep.runs} runs)`, async () => {
      const outcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(requestFor(ep), async (r) => {
          const res = await send(r);
          const json = res.status >= 400 && (res.headers.get("content-type") ?? "").startsWith("application/json");
          const key = `${res.status} ${json ? ((await res.clone().json()) as { error: string }).error : ""}`.trim();
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          await expectWellFormed(ep.kind, r, res);
        }),
        { numRuns: ep.runs },
      );
      // The runs got past the first gate (CSRF, sign-in, client or bearer authentication) into what is behind it.
      const gates = /^(403|401)\b/;
      expect(
        [...outcomes.keys()].filter((k) => !gates.test(k)),
        JSON.stringify([...outcomes]),
      ).not.toHaveLength(0);
      expect(outcomes.size, JSON.stringify([...outcomes])).toBeGreaterThanOrEqual(2);
    }, 60_000);
  }
});

// ---------------------------------------------------------------------------------------------- size caps

/** A body of exactly `size` bytes, sent with Content-Length or streamed without one. */
function sized(template: (pad: string) => string, size: number, streamed: boolean): BodyInit {
  const text = template(filler(size - template("").length));
  const bytes = new TextEncoder().encode(text);
  expect(bytes.byteLength).toBe(size);
  if (!streamed) return bytes;
  // Chunks of 4 KB and no Content-Length: the cap must hold while reading, not only on the header.
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.byteLength; i += 4096) controller.enqueue(bytes.slice(i, i + 4096));
      controller.close();
    },
  });
}

describe("body size caps", () => {
  for (const streamed of [false, true]) {
    it(`JSON: ${JSON_BODY_LIMIT} bytes are read, one more is 413 payload_too_large (${streamed ? "streamed" : "with Content-Length"})`, async () => {
      const json = (pad: string) => `{"email":"","x":"${pad}"}`;
      const post = (size: number) =>
        fx.anon.browser.fetch("/auth/passkey/options", {
          method: "POST",
          body: sized(json, size, streamed),
          headers: { "content-type": "application/json", "x-csrf-token": fx.anon.csrf },
        });
      expect((await post(JSON_BODY_LIMIT)).status).toBe(200);
      const over = await post(JSON_BODY_LIMIT + 1);
      expect(over.status).toBe(413);
      expect(await over.json()).toMatchObject({ error: "payload_too_large" });
    });

    it(`form: ${FORM_BODY_LIMIT} bytes are read, one more is 413 in each endpoint's format (${streamed ? "streamed" : "with Content-Length"})`, async () => {
      const form = (pad: string) => `grant_type=authorization_code&x=${pad}`;
      const token = (size: number) =>
        SELF.fetch(`${ORIGIN}/token`, {
          method: "POST",
          body: sized(form, size, streamed),
          headers: { "content-type": FORM },
        });
      const at = await token(FORM_BODY_LIMIT);
      expect(at.status).toBe(401);
      const over = await token(FORM_BODY_LIMIT + 1);
      expect(over.status).toBe(413);
      expect(await over.json()).toMatchObject({ error: "invalid_request" });
      const link = (pad: string) => `csrf=${fx.anon.csrf}&token=${pad}`;
      const page = await fx.anon.browser.fetch("/auth/link", {
        method: "POST",
        body: sized(link, FORM_BODY_LIMIT + 1, streamed),
        headers: { "content-type": FORM },
      });
      expect(page.status).toBe(413);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    });
  }
});

// ---------------------------------------------------------------------------------------------- deep ceremonies

type Json = Record<string, unknown>;

/** Replaces the value at a dotted path of a (cloned) WebAuthn response. */
function mutate(response: Json, path: string, value: unknown): Json {
  const copy = structuredClone(response);
  const parts = path.split(".");
  let o = copy;
  for (const p of parts.slice(0, -1)) o = o[p] as Json;
  if (value === undefined) delete o[parts.at(-1)!];
  else o[parts.at(-1)!] = value;
  return copy;
}

function b64urlFlip(s: unknown, at: number): unknown {
  if (typeof s !== "string" || s.length === 0) return s;
  const i = at % s.length;
  const c = s[i] === "A" ? "B" : "A";
  return s.slice(0, i) + c + s.slice(i + 1);
}

const mutation = (paths: string[]) =>
  fc.record({
    path: fc.constantFrom(...paths),
    how: fc.oneof(
      { weight: 3, arbitrary: anyValue.map((v) => ({ kind: "replace" as const, v })) },
      { weight: 2, arbitrary: fc.nat().map((at) => ({ kind: "flip" as const, at })) },
      { weight: 1, arbitrary: fc.constant({ kind: "drop" as const }) },
      { weight: 1, arbitrary: fc.nat().map((n) => ({ kind: "truncate" as const, n })) },
    ),
  });

function applyMutation(
  response: Json,
  m: {
    path: string;
    how:
      | { kind: "replace"; v: unknown }
      | { kind: "flip"; at: number }
      | { kind: "drop" }
      | { kind: "truncate"; n: number };
  },
): Json {
  const current = m.path.split(".").reduce<unknown>((o, p) => (o as Json | undefined)?.[p], response);
  switch (m.how.kind) {
    case "replace":
      return mutate(response, m.path, m.how.v);
    case "flip":
      return mutate(response, m.path, b64urlFlip(current, m.how.at));
    case "drop":
      return mutate(response, m.path, undefined);
    case "truncate":
      return mutate(
        response,
        m.path,
        typeof current === "string" ? current.slice(0, m.how.n % Math.max(1, current.length)) : current,
      );
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Two base64url strings that decode to the same bytes. A flip in the spare low bits of the last character (a
 * 71-byte signature takes 95 characters, 2 bits to spare) changes the text, not the bytes that are verified.
 */
function sameBytes(a: unknown, b: unknown): boolean {
  const decode = (v: unknown) =>
    typeof v === "string" && /^[A-Za-z0-9_-]*$/.test(v) && v.length % 4 !== 1
      ? JSON.stringify([...fromBase64url(v)])
      : null;
  const x = decode(a);
  return x !== null && x === decode(b);
}

/** Every descriptor lists transports as an array of strings, as navigator.credentials expects. */
function expectDescriptors(list: unknown, where: string): void {
  expect(Array.isArray(list), where).toBe(true);
  for (const d of list as Json[]) {
    expect(typeof d.id, where).toBe("string");
    if (d.transports !== undefined) {
      expect(Array.isArray(d.transports), `${where}: transports ${JSON.stringify(d.transports)}`).toBe(true);
      for (const t of d.transports as unknown[]) expect(typeof t, where).toBe("string");
    }
  }
}

describe("fuzzing the WebAuthn ceremonies behind a valid challenge", () => {
  /** Fields whose value the server does not rely on: changing them may still verify. */
  const IGNORED_ON_SIGN_IN = new Set(["clientExtensionResults", "authenticatorAttachment", "rawId"]);

  it("mutated sign-in assertions never give a 5xx, and sign in only when the mutation changed nothing that counts", async () => {
    const paths = [
      "id",
      "rawId",
      "type",
      "response",
      "response.clientDataJSON",
      "response.authenticatorData",
      "response.signature",
      "response.userHandle",
      "clientExtensionResults",
      "authenticatorAttachment",
    ];
    const browser = new TestBrowser();
    const csrf = await browser.csrf();
    await fc.assert(
      fc.asyncProperty(mutation(paths), fc.boolean(), async (m, hinted) => {
        const options = await (
          await browser.fetch("/auth/passkey/options", {
            method: "POST",
            json: hinted ? { email: fx.user.email } : {},
            headers: { "x-csrf-token": csrf },
          })
        ).json();
        const original = (await fx.user.auth.authenticate(options as never, ORIGIN)) as unknown as Json;
        const response = applyMutation(original, m);
        const r: FuzzRequest = {
          method: "POST",
          path: "/auth/passkey/verify",
          as: "anon",
          contentType: "application/json",
          extra: {},
        };
        const res = await browser.fetch("/auth/passkey/verify", {
          method: "POST",
          json: { response },
          headers: { "x-csrf-token": csrf },
        });
        const status = res.status;
        await expectWellFormed("api", r, res);
        if (status === 200) {
          const current = m.path.split(".").reduce<unknown>((o, p) => (o as Json | undefined)?.[p], response);
          const before = m.path.split(".").reduce<unknown>((o, p) => (o as Json | undefined)?.[p], original);
          // WebAuthn L3 §7.2 step 6: once the user was identified (email hint), userHandle may be absent.
          const absentHandle =
            hinted && m.path === "response.userHandle" && (typeof current !== "string" || current === "");
          expect(
            sameJson(current, before) || sameBytes(current, before) || IGNORED_ON_SIGN_IN.has(m.path) || absentHandle,
            `signed in with ${m.path} = ${JSON.stringify(current)?.slice(0, 100)}`,
          ).toBe(true);
        }
      }),
      { numRuns: 80 },
    );
  }, 60_000);

  it("mutated registrations never give a 5xx, and what they store keeps sign-in and registration options well-formed", async () => {
    const paths = [
      "id",
      "rawId",
      "type",
      "response",
      "response.clientDataJSON",
      "response.attestationObject",
      "response.transports",
      "response.transports",
      "response.transports",
      "clientExtensionResults",
      "authenticatorAttachment",
    ];
    await fc.assert(
      fc.asyncProperty(mutation(paths), nastyString(70), async (m, name) => {
        // A new account each run, so that a bad record stored by one run cannot blame the next (or the shrinker).
        const owner = await signedIn("fuzz-reg");
        const auth = await SoftAuthenticator.create();
        const options = await (
          await owner.browser.fetch("/auth/passkey/register/options", {
            method: "POST",
            json: {},
            headers: { "x-csrf-token": owner.csrf },
          })
        ).json();
        const response = applyMutation((await auth.register(options as never, ORIGIN)) as unknown as Json, m);
        const r: FuzzRequest = {
          method: "POST",
          path: "/auth/passkey/register/verify",
          as: "user",
          contentType: "application/json",
          extra: {},
        };
        const res = await owner.browser.fetch("/auth/passkey/register/verify", {
          method: "POST",
          json: { response, name },
          headers: { "x-csrf-token": owner.csrf },
        });
        await expectWellFormed("api", r, res);
        // Whatever was stored, the next ceremonies still hand browsers well-formed descriptors.
        const signIn = await new TestBrowser().postJson("/auth/passkey/options", { email: owner.email });
        expect(signIn.status).toBe(200);
        expectDescriptors(
          ((await signIn.json()) as Json).allowCredentials,
          `after ${m.path} = ${JSON.stringify(m.how).slice(0, 120)} → ${res.status}`,
        );
        const again = await owner.browser.fetch("/auth/passkey/register/options", {
          method: "POST",
          json: {},
          headers: { "x-csrf-token": owner.csrf },
        });
        expect(again.status).toBe(200);
        expectDescriptors(((await again.json()) as Json).excludeCredentials, `after ${m.path}`);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it("token requests built from a real code with one parameter mutated: never a 5xx, tokens only when nothing that counts changed", async () => {
    const keys = [
      "grant_type",
      "code",
      "redirect_uri",
      "code_verifier",
      "client_id",
      "scope",
      "resource",
      "extra",
    ] as const;
    /** Parameters whose change must be refused (RFC 6749 §4.1.3, RFC 7636 §4.6, §2.3). */
    const binding = new Set(["grant_type", "code", "redirect_uri", "code_verifier", "client_id"]);
    const change = fc.record({
      key: fc.constantFrom(...keys),
      how: fc.oneof(
        fc.constant({ kind: "drop" as const }),
        fc.constant({ kind: "repeat" as const }),
        fc
          .oneof(plausible("code"), plausible("scope"), plausible("resource"), nastyString(50))
          .map((v) => ({ kind: "set" as const, v: typeof v === "string" ? v : (JSON.stringify(v) ?? "") })),
      ),
    });
    await fc.assert(
      fc.asyncProperty(change, fc.boolean(), async ({ key, how }, basic) => {
        const client = basic ? fx.basicClient : fx.publicClient;
        const auth = await authorizeCode(fx.user.browser, client);
        const form: [string, string][] = [
          ["grant_type", "authorization_code"],
          ["code", auth.code],
          ["redirect_uri", client.redirect_uris[0]!],
          ["code_verifier", auth.pkce!.verifier],
          ...(basic ? [] : ([["client_id", client.client_id]] as [string, string][])),
        ];
        const original = new Map(form);
        let pairs = form;
        if (how.kind === "drop") pairs = pairs.filter(([k]) => k !== key);
        if (how.kind === "repeat") pairs = [...pairs, [key, original.get(key) ?? "x"]];
        if (how.kind === "set") pairs = [...pairs.filter(([k]) => k !== key), [key, how.v]];
        // From the fuzzer's own network: its failures count against client@ip, never lock the real client out.
        const headers: Record<string, string> = { "content-type": FORM, "cf-connecting-ip": "198.51.100.77" };
        if (basic) headers.authorization = `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`;
        const body = new URLSearchParams(pairs).toString();
        const res = await SELF.fetch(`${ORIGIN}/token`, { method: "POST", headers, body });
        const status = res.status;
        const r: FuzzRequest = { method: "POST", path: "/token", as: "none", contentType: FORM, body, extra: {} };
        await expectWellFormed("oauth", r, res);
        if (status === 200) {
          const unchanged =
            how.kind === "set" ? original.get(key) === how.v : how.kind === "drop" && !original.has(key);
          expect(unchanged || !binding.has(key), `tokens for ${key} ${JSON.stringify(how)}`).toBe(true);
        }
      }),
      { numRuns: 80 },
    );
  }, 60_000);

  it("a real code exchange is still possible after the fuzzing (the fixtures were not broken by it)", async () => {
    const { verifier } = await pkce();
    expect(verifier.length).toBeGreaterThanOrEqual(43);
    await expectTokens(await exchangeCode(fx.publicClient, await authorizeCode(fx.user.browser, fx.publicClient)));
  });
});
