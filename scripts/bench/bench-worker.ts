/**
 * Bench-only Worker entry (never deployed): the real app, plus
 *  - storage round-trip counting when a request carries `x-bench-count: 1` (counts in the `x-bench-storage` header),
 *  - /__bench/bound/<flow>: the crypto-only bound of a flow (crypto-bounds.ts),
 *  - /__bench/seed: users with passkey credentials inserted straight into D1 (the bench signs in as them).
 */

import type { Env } from "../../src/config";
import { db } from "../../src/db/client";
import { credentials, users } from "../../src/db/schema";
import worker, { LimiterDO, UserDO } from "../../src/index";
import { collectingCtx, countingEnv, newCounts } from "./counting-env";
import { boundResponse } from "./crypto-bounds";

export { LimiterDO, UserDO };

interface SeedUser {
  id: string;
  email: string;
  credentialId: string;
  /** base64url COSE_Key, as registration stores it. */
  publicKey: string;
}

async function seed(env: Env, request: Request): Promise<Response> {
  const list = (await request.json()) as SeedUser[];
  const now = Date.now();
  const d = db(env.DB);
  // D1 allows 100 bound parameters per statement (a credential row has 12): insert in slices of 5.
  for (let i = 0; i < list.length; i += 5) {
    const slice = list.slice(i, i + 5);
    await d.batch([
      d.insert(users).values(slice.map((u) => ({ id: u.id, email: u.email, emailVerifiedAt: now, createdAt: now }))),
      d.insert(credentials).values(
        slice.map((u) => ({
          id: u.credentialId,
          userId: u.id,
          publicKey: u.publicKey,
          counter: 0,
          transports: '["internal","hybrid"]',
          aaguid: "00000000-0000-0000-0000-000000000000",
          backupEligible: true,
          backupState: true,
          name: "Bench passkey",
          createdAt: now,
          lastUsedAt: null,
        })),
      ),
    ]);
  }
  return Response.json({ seeded: list.length });
}

async function counted(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const counts = newCounts();
  const pending: Promise<unknown>[] = [];
  const res = await worker.fetch(request, countingEnv(env, counts), collectingCtx(ctx, pending));
  // Background work (waitUntil) belongs to the request too.
  await Promise.allSettled(pending);
  const out = new Response(res.body, res);
  out.headers.set("x-bench-storage", JSON.stringify(counts));
  return out;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__bench/bound/"))
      return boundResponse(request, env, decodeURIComponent(url.pathname.slice("/__bench/bound/".length)));
    if (url.pathname === "/__bench/seed" && request.method === "POST") return seed(env, request);
    if (request.headers.get("x-bench-count") === "1") return counted(request, env, ctx);
    return worker.fetch(request, env, ctx);
  },
  scheduled: worker.scheduled,
} satisfies ExportedHandler<Env>;
