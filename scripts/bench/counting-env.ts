/** Bench only: counts every storage round trip that leaves the isolate (wrappers: test/helpers/instrumented-env.ts). */
import { instrumentedEnv, type StorageOp } from "../../test/helpers/instrumented-env";

export interface StorageCounts {
  kv: number;
  d1: number;
  do: number;
  /** D1 writes of the audit log (and last_sign_in_at), made in waitUntil after the answer: not counted in d1. */
  audit: number;
  /** One entry per round trip, in order: "kv.get", "d1.first select ...", "do.USER.signIn". */
  ops: string[];
}

export function newCounts(): StorageCounts {
  return { kv: 0, d1: 0, do: 0, audit: 0, ops: [] };
}

const AUDIT_WRITE = /^(insert into "audit_events"|update "users" set "last_sign_in_at")/i;

function sqlLabel(sql: string): string {
  return sql.replace(/\s+/g, " ").trim().slice(0, 60);
}

function label(op: StorageOp): string {
  if (op.binding === "KV") return `kv.${op.method}`;
  if (op.binding === "DB")
    return op.method === "batch"
      ? `d1.batch(${op.detail.split("; ").length}) ${sqlLabel(op.detail)}`
      : `d1.${op.method} ${sqlLabel(op.detail)}`;
  return `do.${op.binding}.${op.method}`;
}

/** `env` with its storage bindings counted into `counts`; every other property is the original. */
export function countingEnv<E extends object>(env: E, counts: StorageCounts): E {
  return instrumentedEnv(env, (op, run) => {
    if (op.binding === "KV") counts.kv += 1;
    else if (op.binding === "DB" && AUDIT_WRITE.test(op.detail)) counts.audit += 1;
    else if (op.binding === "DB") counts.d1 += 1;
    else counts.do += 1;
    counts.ops.push(label(op));
    return run();
  });
}

/** An ExecutionContext whose waitUntil promises are collected, so the counts include background work. */
export function collectingCtx(ctx: ExecutionContext, pending: Promise<unknown>[]): ExecutionContext {
  return {
    waitUntil(promise: Promise<unknown>) {
      pending.push(promise);
      ctx.waitUntil(promise);
    },
    passThroughOnException() {
      ctx.passThroughOnException();
    },
    props: (ctx as ExecutionContext & { props?: unknown }).props,
  } as ExecutionContext;
}
