/**
 * Robustness from outside: the built worker (dist/worker) under `wrangler dev`, as `npm run dev` serves it, over real
 * HTTP. Every endpoint gets hostile bodies (truncated and deep JSON, wrong content types, 1 MB bodies with and without
 * Content-Length, chunked, invalid UTF-8), very long headers and tokens, and requests that close early. Every answer
 * must be the endpoint's own 4xx in its own format, none a 5xx (wrangler's proxy answers 503 "Your worker restarted
 * mid-request" when the worker leaves a body unread: src/lib/drain-body.ts), none slower than 2 s, and /healthz
 * answers right after.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { ADMIN_TOKEN, startStack } from "./harness.mjs";

const TIMEOUT = 240_000;
const MAX_MS = 2_000;
const MB = 1024 * 1024;

/**
 * How each endpoint answers an error: Latchkey's JSON API `{error, message}`, OAuth `{error[, error_description]}`
 * (RFC 6749 §5.2, RFC 7591 §3.2.2), RFC 6750 §3 at /userinfo (no body when no token was sent), or a page.
 */
const POST_ENDPOINTS = [
  { path: "/auth/email", kind: "api" },
  { path: "/auth/passkey/options", kind: "api" },
  { path: "/auth/passkey/verify", kind: "api" },
  { path: "/auth/passkey/register/options", kind: "api" },
  { path: "/auth/passkey/register/verify", kind: "api" },
  { path: "/token", kind: "oauth" },
  { path: "/revoke", kind: "oauth" },
  { path: "/register", kind: "oauth" },
  { path: "/userinfo", kind: "userinfo" },
  { path: "/auth/link", kind: "page" },
  { path: "/authorize", kind: "page" },
  { path: "/authorize/consent", kind: "page" },
  // RP-Initiated Logout 1.0 §2: any form that parses is a logout request, answered with its confirmation page.
  { path: "/logout", kind: "page", formIsRequest: true },
  { path: "/account/passkeys/rename", kind: "page" },
  { path: "/account/passkeys/delete", kind: "page" },
  { path: "/account/sessions/end", kind: "page" },
  { path: "/account/sessions/end-all", kind: "page" },
  { path: "/signout", kind: "page" },
];
const GET_ENDPOINTS = [
  "/healthz",
  "/jwks.json",
  "/.well-known/openid-configuration",
  "/signin",
  "/authorize",
  "/userinfo",
  "/account",
  "/auth/link",
  "/logout",
];

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";
const deep = (n) => "[".repeat(n) + "]".repeat(n);

/** Hostile bodies: what is sent, how (Content-Length or chunked), and as which content type. */
const BODIES = [
  { name: "truncated JSON", type: JSON_TYPE, body: Buffer.from('{"grant_type": "authorization_code", "code": ') },
  { name: "truncated JSON as text/plain", type: "text/plain", body: Buffer.from('{"email": ') },
  { name: "JSON nested 20 000 deep", type: JSON_TYPE, body: Buffer.from(deep(20_000)) },
  { name: "JSON nested 200 000 deep", type: JSON_TYPE, body: Buffer.from(deep(200_000)) },
  { name: "valid JSON of the wrong type", type: JSON_TYPE, body: Buffer.from('[1, "two", {"three": null}]') },
  { name: "form sent as JSON", type: JSON_TYPE, body: Buffer.from("grant_type=authorization_code&code=x") },
  { name: "JSON sent as a form", type: FORM, body: Buffer.from('{"email": "a@b.example"}') },
  {
    name: "form with a repeated and a broken parameter",
    type: FORM,
    body: Buffer.from("a=1&a=2&%zz=%&csrf=x&token=%E0%A4%A"),
  },
  { name: "XML", type: "application/xml", body: Buffer.from("<?xml version='1.0'?><a><b/></a>") },
  {
    name: "multipart with a bogus boundary",
    type: "multipart/form-data; boundary=zzz",
    body: Buffer.from("--yyy\r\nContent-Disposition: form-data\r\n\r\nx\r\n--yyy--"),
  },
  { name: "no content type", type: null, body: Buffer.from("email=a@b.example") },
  {
    name: "invalid UTF-8 JSON",
    type: JSON_TYPE,
    body: Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  },
  { name: "invalid UTF-8 form", type: FORM, body: Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0x26, 0x62, 0x3d, 0xc3, 0x28]) },
  { name: "1 MB with Content-Length", type: JSON_TYPE, body: randomBytes(MB) },
  { name: "1 MB form with Content-Length", type: FORM, body: Buffer.alloc(MB, "a=b&") },
  { name: "1 MB chunked", type: JSON_TYPE, body: randomBytes(MB), chunked: true },
  { name: "1 MB form chunked", type: FORM, body: Buffer.alloc(MB, "c=d&"), chunked: true },
  {
    name: "small chunked form",
    type: FORM,
    body: Buffer.from("grant_type=refresh_token&refresh_token=x.y"),
    chunked: true,
  },
];

/** Long headers and tokens (each well under workerd's and wrangler's header limits, far over anything real). */
const LONG = "a".repeat(60_000);
const HEADER_CASES = [
  { name: "60 KB bearer token", headers: { authorization: `Bearer ${LONG}` } },
  {
    name: "60 KB Basic credentials",
    headers: { authorization: `Basic ${Buffer.from(`${LONG}:${LONG}`).toString("base64").slice(0, 60_000)}` },
  },
  { name: "30 KB cookie", headers: { cookie: `lk_b=${"b".repeat(15_000)}; lk_s=${"s".repeat(15_000)}` } },
  { name: "30 KB CSRF header", headers: { "x-csrf-token": "c".repeat(30_000) } },
  { name: "malformed bearer", headers: { authorization: 'Bearer a b "===,; \u00ff' } },
];

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One request; resolves with status, headers, body text and how long the answer took. */
function send(origin, { method, path, headers = {}, body = null, chunked = false }) {
  const url = new URL(path, origin);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body && !chunked) h["content-length"] = String(body.byteLength);
    const req = request(url, { method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
          ms: performance.now() - started,
        }),
      );
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer within 10 s: ${method} ${path}`)));
    req.on("error", reject);
    if (body && chunked) {
      // Several chunks, so the body really arrives as a stream of unknown length.
      for (let at = 0; at < body.byteLength; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
    } else if (body) {
      req.write(body);
    }
    req.end();
  });
}

/** A request whose client goes away: headers and part of the declared body, then the socket is destroyed. */
function closeEarly(port, path, { declared = 100_000, sent = 1_000, type = JSON_TYPE } = {}) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: ${type}\r\nContent-Length: ${declared}\r\n\r\n`,
      );
      socket.write(Buffer.alloc(sent, "x"));
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 50);
    });
    socket.on("error", () => resolve());
  });
}

/** The wire format of an answer, judged by its headers and body. */
function formatOf(res) {
  const type = String(res.headers["content-type"] ?? "");
  if (res.text === "" && !type) return "empty";
  if (type.startsWith("text/html")) return res.text.startsWith("<!doctype html>") ? "html" : `html without doctype`;
  if (!type.startsWith("application/json")) return `content-type ${type || "none"}: ${res.text.slice(0, 80)}`;
  let body;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `not JSON: ${res.text.slice(0, 80)}`;
  }
  const keys = Object.keys(body ?? {});
  if (typeof body?.error !== "string") return `no error code: ${res.text.slice(0, 80)}`;
  if (typeof body.message === "string" && keys.length === 2) return "api";
  if (keys.every((k) => ["error", "error_description", "error_uri"].includes(k))) return "oauth";
  return `members ${keys.join(",")}`;
}

/** Which formats an error of this endpoint may take for this request (app.tsx: pages answer JSON to non-form posts). */
function allowedFormats(kind, type) {
  switch (kind) {
    case "api":
      return ["api"];
    case "oauth":
      return ["oauth"];
    case "userinfo":
      return ["oauth", "empty"];
    case "page":
      return (type ?? "").startsWith(FORM) ? ["html"] : ["html", "api"];
  }
}

const isClientError = (s) => s >= 400 && s < 500;

/** A 4xx, except where a hostile-looking form is still a well-formed request for that endpoint (a page, then). */
function statusRule(ep, b) {
  const parses =
    (b.type ?? "").startsWith(FORM) &&
    !(b.body && /%zz|%E0%A4%A$/.test(b.body.toString("latin1"))) &&
    !b.body?.includes(0xff);
  return ep.formIsRequest && parses ? (s) => s < 500 : isClientError;
}

describe("the shipped worker under wrangler dev, from outside", { timeout: TIMEOUT * 2 }, () => {
  let stack;
  /** A browser's cookies and CSRF token, so the parsers behind the CSRF check are reached too. */
  let browser;
  let problems = [];
  let count = 0;
  let slowest = { ms: 0, what: "" };

  const check = (what, res, { formats, okStatus = isClientError }) => {
    count++;
    if (res.ms > slowest.ms) slowest = { ms: res.ms, what };
    if (!okStatus(res.status)) problems.push(`${what}: status ${res.status} ${res.text.slice(0, 120)}`);
    if (res.ms > MAX_MS) problems.push(`${what}: answered after ${Math.round(res.ms)} ms`);
    if (formats && res.status >= 400) {
      const format = formatOf(res);
      if (!formats.includes(format))
        problems.push(`${what}: ${res.status} in format "${format}", expected ${formats.join(" or ")}`);
    }
  };

  before(
    async () => {
      stack = await startStack("hostile-http");
      const signin = await send(stack.origin, { method: "GET", path: "/signin", headers: { accept: "text/html" } });
      const cookies = [signin.headers["set-cookie"] ?? []].flat().map((c) => c.split(";")[0]);
      const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(signin.text)?.[1];
      assert.ok(csrf && cookies.length > 0, "the sign-in page sets a browser cookie and a CSRF token");
      browser = { cookie: cookies.join("; "), csrf };
    },
    { timeout: TIMEOUT },
  );
  beforeEach(() => {
    problems = [];
  });
  after(async () => {
    agent.destroy();
    await stack?.stop();
  });

  test("hostile bodies to every POST endpoint: its own 4xx, in its own format, within 2 s", {
    timeout: TIMEOUT,
  }, async () => {
    for (const ep of POST_ENDPOINTS) {
      for (const b of BODIES) {
        for (const as of ["anonymous", "with a browser's cookie and CSRF token"]) {
          const headers = b.type ? { "content-type": b.type } : {};
          if (as !== "anonymous")
            Object.assign(headers, { cookie: browser.cookie, "x-csrf-token": browser.csrf, origin: stack.origin });
          const res = await send(stack.origin, {
            method: "POST",
            path: ep.path,
            headers,
            body: b.body,
            chunked: b.chunked,
          });
          check(`POST ${ep.path} ${b.name} (${as})`, res, {
            formats: allowedFormats(ep.kind, b.type),
            okStatus: statusRule(ep, b),
          });
        }
      }
    }
    assert.deepEqual(
      problems,
      [],
      `${problems.length} of ${count} answers were wrong:\n${problems.slice(0, 40).join("\n")}`,
    );
  });

  test("very long headers and tokens: an answer within 2 s, never a 5xx", { timeout: TIMEOUT }, async () => {
    for (const hc of HEADER_CASES) {
      for (const path of GET_ENDPOINTS) {
        const res = await send(stack.origin, { method: "GET", path, headers: { accept: "text/html", ...hc.headers } });
        // GET pages and documents may well answer 200 or a redirect; what counts is no 5xx and no wait.
        check(`GET ${path} ${hc.name}`, res, { okStatus: (s) => s < 500 });
      }
      for (const ep of POST_ENDPOINTS) {
        const res = await send(stack.origin, {
          method: "POST",
          path: ep.path,
          headers: { "content-type": FORM, ...hc.headers },
          body: Buffer.from("grant_type=authorization_code&code=a.b&token=x"),
        });
        check(`POST ${ep.path} ${hc.name}`, res, {
          formats: allowedFormats(ep.kind, FORM),
          okStatus: statusRule(ep, { type: FORM }),
        });
      }
    }
    // A long query string on the two GET endpoints that parse one.
    // /authorize refuses the unknown client on its own page; /logout without a session just says "signed out".
    for (const [path, okStatus] of [
      ["/authorize", isClientError],
      ["/logout", (s) => s < 500],
    ]) {
      const res = await send(stack.origin, {
        method: "GET",
        path: `${path}?client_id=${"q".repeat(12_000)}&redirect_uri=x`,
        headers: { accept: "text/html" },
      });
      check(`GET ${path} with a 12 KB query`, res, { formats: ["html"], okStatus });
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  test("admin-authorized registration with hostile bodies answers RFC 7591 errors", { timeout: TIMEOUT }, async () => {
    for (const b of BODIES) {
      const res = await send(stack.origin, {
        method: "POST",
        path: "/register",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(b.type ? { "content-type": b.type } : {}) },
        body: b.body,
        chunked: b.chunked,
      });
      check(`POST /register (admin) ${b.name}`, res, { formats: ["oauth"] });
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  test("requests that close early leave the worker answering: /healthz and a normal error right after", {
    timeout: TIMEOUT,
  }, async () => {
    for (const ep of POST_ENDPOINTS) {
      await closeEarly(stack.provider.port, ep.path);
      await closeEarly(stack.provider.port, ep.path, { type: FORM, declared: 2 * MB, sent: 64 * 1024 });
    }
    const health = await send(stack.origin, { method: "GET", path: "/healthz" });
    check("GET /healthz after early closes", health, { okStatus: (s) => s === 200 });
    const token = await send(stack.origin, {
      method: "POST",
      path: "/token",
      headers: { "content-type": JSON_TYPE },
      body: Buffer.from('{"code": '),
    });
    check("POST /token after early closes", token, { formats: ["oauth"] });
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  test("the curl loops of issue 9 answer only Latchkey's own 4xx", { timeout: TIMEOUT }, async () => {
    for (let i = 0; i < 40; i++) {
      const res = await send(stack.origin, {
        method: "POST",
        path: "/token",
        headers: { "content-type": JSON_TYPE },
        body: Buffer.from('{"grant_type": "authorization_code", "code": '),
      });
      check(`POST /token truncated JSON #${i}`, res, { formats: ["oauth"], okStatus: (s) => s === 400 });
      const email = await send(stack.origin, {
        method: "POST",
        path: "/auth/email",
        headers: { "content-type": JSON_TYPE },
        body: Buffer.from('{"email": '),
      });
      check(`POST /auth/email truncated JSON #${i}`, email, { formats: ["api"], okStatus: (s) => s === 403 });
    }
    const health = await send(stack.origin, { method: "GET", path: "/healthz" });
    check("GET /healthz at the end", health, { okStatus: (s) => s === 200 });
    assert.deepEqual(problems, [], problems.join("\n"));
    console.log(`hostile-http: ${count} requests, slowest ${Math.round(slowest.ms)} ms (${slowest.what})`);
  });
});
