/**
 * Machine clients (RFC 6749 §4.4) for integration tests: an API registered through the admin API, a
 * client_credentials client granted scopes on it, and token requests with client_secret_basic.
 */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { adminCall } from "./admin-api";
import { ORIGIN } from "./browser";

export interface TestApi {
  id: string;
  identifier: string;
}

export interface MachineClient {
  client_id: string;
  client_secret?: string;
}

/** A resource server with `scopes`, `introspection_clients` and any other field of `body`. */
export async function createApi(scopes: string[], body: Record<string, unknown> = {}): Promise<TestApi> {
  const identifier = `https://api-${crypto.randomUUID().slice(0, 8)}.example/`;
  const res = await adminCall("POST", "/resources", {
    identifier,
    name: "Test API",
    scopes: scopes.map((value) => ({ value, description: `Lets the client ${value}` })),
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as TestApi;
}

/** A confidential client registered for client_credentials only (no redirect URIs). */
export async function createMachineClient(metadata: Record<string, unknown> = {}): Promise<MachineClient> {
  const res = await adminCall("POST", "/clients", {
    grant_types: ["client_credentials"],
    client_name: "Test machine client",
    ...metadata,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as MachineClient;
}

export async function grantScopes(clientId: string, resourceId: string, scopes: string[]): Promise<void> {
  const res = await adminCall("PUT", `/clients/${clientId}/grants/${resourceId}`, { scopes });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

function basicAuth(client: MachineClient): string {
  return `Basic ${btoa(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret ?? "")}`)}`;
}

/** POST to an OAuth endpoint with HTTP Basic client authentication. */
export async function postAsClient(path: string, client: MachineClient, form: Record<string, string>) {
  const res = await SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { authorization: basicAuth(client), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json().catch(() => null)) as Record<string, unknown>,
  };
}

/** A client_credentials token request (RFC 6749 §4.4.2). */
export function clientCredentials(client: MachineClient, params: Record<string, string> = {}) {
  return postAsClient("/token", client, { grant_type: "client_credentials", ...params });
}

/** An access token for `api` with `scope` (expects success). */
export async function machineToken(client: MachineClient, api: TestApi, scope?: string): Promise<string> {
  const res = await clientCredentials(client, { resource: api.identifier, ...(scope === undefined ? {} : { scope }) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.access_token as string;
}
