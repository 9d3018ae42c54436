/** Bench only: wraps the storage bindings (DB, KV, USER, LIMITER) in proxies that count every round trip that leaves the isolate. */

export interface StorageCounts {
  kv: number;
  d1: number;
  do: number;
  /** One entry per round trip, in order: "kv.get", "d1.first select ...", "do.USER.signIn". */
  ops: string[];
}

export function newCounts(): StorageCounts {
  return { kv: 0, d1: 0, do: 0, ops: [] };
}

/** Calls that reach KV (everything else on the binding is local). */
const KV_CALLS = new Set(["get", "getWithMetadata", "put", "delete", "list"]);
/** D1 statement methods that execute (prepare and bind are local). */
const D1_STATEMENT_CALLS = new Set(["first", "all", "run", "raw"]);
/** Stub properties that are not RPC calls. */
const STUB_LOCAL = new Set(["id", "name", "then", "toString", "toJSON", "constructor"]);

/** The real binding object behind one of our proxies (D1 batch needs the real statements). */
const underlying = new WeakMap<object, object>();

function unwrap<T>(value: T): T {
  return (value !== null && typeof value === "object" ? (underlying.get(value) as T | undefined) : undefined) ?? value;
}

/**
 * Methods are always called on the real object: workerd bindings refuse a proxy as `this`. `Function.prototype.bind`
 * is taken from the prototype, never looked up on the value: on an RPC stub every property (even `bind`) is a remote call.
 */
function callOn(target: object, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop) as unknown;
  return typeof value === "function" ? Function.prototype.bind.call(value, target) : value;
}

function wrapKv(kv: object, counts: StorageCounts): object {
  const proxy = new Proxy(kv, {
    get(target, prop) {
      const value = callOn(target, prop);
      if (typeof prop !== "string" || !KV_CALLS.has(prop) || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        counts.kv += 1;
        counts.ops.push(`kv.${prop}`);
        return (value as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
  underlying.set(proxy, kv);
  return proxy;
}

function sqlLabel(sql: string): string {
  return sql.replace(/\s+/g, " ").trim().slice(0, 60);
}

function wrapStatement(stmt: object, sql: string, counts: StorageCounts): object {
  const proxy = new Proxy(stmt, {
    get(target, prop) {
      const value = callOn(target, prop);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      if (prop === "bind") return (...args: unknown[]) => wrapStatement((value as (...a: unknown[]) => object)(...args), sql, counts);
      if (!D1_STATEMENT_CALLS.has(prop)) return value;
      return (...args: unknown[]) => {
        counts.d1 += 1;
        counts.ops.push(`d1.${prop} ${sqlLabel(sql)}`);
        return (value as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
  underlying.set(proxy, stmt);
  return proxy;
}

function wrapD1(d1: object, counts: StorageCounts): object {
  const proxy = new Proxy(d1, {
    get(target, prop) {
      const value = callOn(target, prop);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      if (prop === "prepare") return (sql: string) => wrapStatement((value as (s: string) => object)(sql), sql, counts);
      if (prop === "withSession") return (...args: unknown[]) => wrapD1((value as (...a: unknown[]) => object)(...args), counts);
      if (prop === "batch") {
        return (stmts: object[]) => {
          counts.d1 += 1;
          counts.ops.push(`d1.batch(${stmts.length})`);
          return (value as (s: object[]) => unknown)(stmts.map(unwrap));
        };
      }
      if (prop === "exec") {
        return (sql: string) => {
          counts.d1 += 1;
          counts.ops.push(`d1.exec ${sqlLabel(sql)}`);
          return (value as (s: string) => unknown)(sql);
        };
      }
      return value;
    },
  });
  underlying.set(proxy, d1);
  return proxy;
}

function wrapStub(stub: object, binding: string, counts: StorageCounts): object {
  return new Proxy(stub, {
    get(target, prop) {
      if (typeof prop !== "string" || STUB_LOCAL.has(prop)) return Reflect.get(target, prop);
      // Every other property of a stub is an RPC method: counted when called, called on the real stub.
      return (...args: unknown[]) => {
        counts.do += 1;
        counts.ops.push(`do.${binding}.${prop}`);
        return (target as Record<string, (...a: unknown[]) => unknown>)[prop]!(...args);
      };
    },
  });
}

function wrapNamespace(ns: object, binding: string, counts: StorageCounts): object {
  const proxy = new Proxy(ns, {
    get(target, prop) {
      const value = callOn(target, prop);
      // get/getByName only make a stub (no round trip); the stub's method calls are the round trips.
      if ((prop === "get" || prop === "getByName") && typeof value === "function") {
        return (...args: unknown[]) => wrapStub((value as (...a: unknown[]) => object)(...args.map(unwrap)), binding, counts);
      }
      return value;
    },
  });
  underlying.set(proxy, ns);
  return proxy;
}

/** `env` with its storage bindings counted into `counts`; every other property is the original. */
export function countingEnv<E extends object>(env: E, counts: StorageCounts): E {
  const wrapped = new Map<string, object>();
  const wrappers: Record<string, (b: object) => object> = {
    KV: (b) => wrapKv(b, counts),
    DB: (b) => wrapD1(b, counts),
    USER: (b) => wrapNamespace(b, "USER", counts),
    LIMITER: (b) => wrapNamespace(b, "LIMITER", counts),
  };
  return new Proxy(env, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof prop !== "string" || !(prop in wrappers) || value === null || typeof value !== "object") return value;
      let w = wrapped.get(prop);
      if (!w) {
        w = wrappers[prop]!(value);
        wrapped.set(prop, w);
      }
      return w;
    },
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
