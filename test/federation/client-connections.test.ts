/**
 * Client metadata `connections` (Latchkey extension): which federation connections a client's users see on the
 * sign-in page and may start from its parked request. Registration refuses ids no connection has.
 */
import { describe, expect, it } from "vitest";
import { adminCall } from "../helpers/admin-api";
import { TestBrowser } from "../helpers/browser";
import { ADMIN_TOKEN, authorizeParams, pkce, registerClient } from "../helpers/oidc-client";

const tag = crypto.randomUUID().slice(0, 6);

async function connection(id: string, displayName: string): Promise<void> {
  const res = await adminCall("POST", "/connections", {
    id,
    display_name: displayName,
    issuer: `https://${id}.idp.example`,
    client_id: "latchkey",
    client_secret: "upstream-secret",
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** The sign-in page /authorize shows this client's users, and the return_to of its parked request. */
async function signInPage(browser: TestBrowser, clientId: string): Promise<{ html: string; returnTo: string }> {
  const client = { client_id: clientId, redirect_uris: ["https://rp.example/cb"] } as Parameters<
    typeof authorizeParams
  >[0];
  const res = await browser.fetch(`/authorize?${authorizeParams(client, { pkce: await pkce() })}`);
  expect(res.status).toBe(200);
  const html = await res.text();
  const returnTo = /\/authorize\/continue\?rid=[A-Za-z0-9_-]+/.exec(html)?.[0];
  expect(returnTo).toBeDefined();
  return { html, returnTo: returnTo! };
}

describe("client metadata connections", () => {
  const a = `ca-${tag}`;
  const b = `cb-${tag}`;

  it("offers only the connections the client allows, and refuses to start any other", async () => {
    await connection(a, `Alpha ${tag}`);
    await connection(b, `Beta ${tag}`);
    const open = await registerClient();
    const onlyA = await registerClient({ connections: [a] });
    const none = await registerClient({ connections: [] });

    const browser = new TestBrowser();
    const all = await signInPage(browser, open.client_id);
    expect(all.html).toContain(`Continue with Alpha ${tag}`);
    expect(all.html).toContain(`Continue with Beta ${tag}`);

    const restricted = await signInPage(browser, onlyA.client_id);
    expect(restricted.html).toContain(`Continue with Alpha ${tag}`);
    expect(restricted.html).not.toContain(`Beta ${tag}`);
    // The start link for a connection the client does not allow is refused before any upstream request.
    const start = await browser.fetch(
      `/auth/federation/${b}/start?${new URLSearchParams({ return_to: restricted.returnTo })}`,
    );
    expect(start.status).toBe(404);
    expect(await start.text()).toContain("That sign-in provider is not available here.");

    const nothing = await signInPage(browser, none.client_id);
    expect(nothing.html).not.toContain(`Alpha ${tag}`);
    expect(nothing.html).not.toContain(`Beta ${tag}`);
  });

  it("stores, returns and clears the list over the admin API; unknown ids are a 422 naming the field", async () => {
    const c = `cc-${tag}`;
    await connection(c, "Gamma");
    const created = await adminCall("POST", "/clients", {
      redirect_uris: ["https://rp.example/cb"],
      token_endpoint_auth_method: "none",
      connections: [c],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body as { client_id: string }).client_id;
    expect((await adminCall("GET", `/clients/${id}`)).body).toMatchObject({ connections: [c] });

    const unknown = await adminCall("PATCH", `/clients/${id}`, { connections: [c, `nope-${tag}`] });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ errors: [{ pointer: "/connections" }] });
    expect(JSON.stringify(unknown.body)).toContain(`nope-${tag}`);
    const malformed = await adminCall("PATCH", `/clients/${id}`, { connections: ["Not A Slug"] });
    expect(malformed.status).toBe(422);
    expect((await adminCall("GET", `/clients/${id}`)).body).toMatchObject({ connections: [c] });

    const cleared = await adminCall("PATCH", `/clients/${id}`, { connections: null });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(cleared.body).not.toHaveProperty("connections");
  });

  it("RFC 7591 registration answers invalid_client_metadata for an id no connection has", async () => {
    const res = await fetchRegister({ connections: [`missing-${tag}`] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_client_metadata" });
  });
});

function fetchRegister(metadata: Record<string, unknown>): Promise<Response> {
  return new TestBrowser().fetch("/register", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    json: { redirect_uris: ["https://rp.example/cb"], token_endpoint_auth_method: "none", ...metadata },
  });
}
