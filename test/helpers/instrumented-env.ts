/**
 * The storage bindings (DB, KV, USER, LIMITER) wrapped so that every call leaving the isolate passes through one
 * interceptor: the fault-injection tests (fault-env.ts) and the bench's round-trip counts
 * (scripts/bench/bench-worker.ts) both build on it. Nothing is mocked: the interceptor decides whether to `run()`.
 */

export type Binding = "DB" | "KV" | "USER" | "LIMITER";

/** One storage call, before it runs. */
export interface StorageOp {
  binding: Binding;
  /** D1: first/all/run/raw/batch/exec; KV: get/getWithMetadata/put/delete/list; DO: the RPC method name. */
  method: string;
  /** D1: the SQL (batch: "<n> statements"); KV: the key (list: the prefix); DO: the object's name when known. */
  detail: string;
}

/** Called for every storage call; returns what the caller gets (normally `run()`'s result). */
export type Interceptor = (op: StorageOp, run: () => unknown) => unknown;

/** Calls that reach KV (everything else on the binding is local). */
const KV_CALLS = new Set(["get", "getWithMetadata", "put", "delete", "list"]);
/** D1 statement methods that execute (prepare and bind are local). */
const D1_STATEMENT_CALLS = new Set(["first", "all", "run", "raw"]);
/** Stub properties that are not RPC calls. */
const STUB_LOCAL = new Set(["id", "name", "then", "toString", "toJSON", "constructor"]);

/** The real binding object behind one of our proxies (D1 batch and namespace.get need the real ones). */
const underlying = new WeakMap<object, object>();

function unwrap<T>(value: T): T {
  return (value !== null && typeof value === "object" ? (underlying.get(value) as T | undefined) : undefined) ?? value;
}

/**
 * Methods are always called on the real object: workerd bindings refuse a proxy as `this`. `Function.prototype.bind`
 * is taken from the prototype, never looked up on the value: on an RPC stub every property (even `bind`) is a
 * remote call.
 */
function callOn(target: object, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop) as unknown;
  return typeof value === "function" ? Function.prototype.bind.call(value, target) : value;
}

type Fn = (...a: unknown[]) => unknown;

function proxied<T extends object>(target: T, get: (target: T, prop: string | symbol) => unknown): T {
  const proxy = new Proxy(target, { get });
  underlying.set(proxy, target);
  return proxy;
}

function wrapKv(kv: object, intercept: Interceptor): object {
  return proxied(kv, (target, prop) => {
    const value = callOn(target, prop);
    if (typeof prop !== "string" || !KV_CALLS.has(prop) || typeof value !== "function") return value;
    return (...args: unknown[]) => {
      const first = args[0] as unknown;
      const detail = prop === "list" ? ((first as { prefix?: string } | undefined)?.prefix ?? "") : String(first);
      return intercept({ binding: "KV", method: prop, detail }, () => (value as Fn)(...args));
    };
  });
}

/** The SQL of each wrapped statement, so a batch can be described by what it runs. */
const statementSql = new WeakMap<object, string>();

function wrapStatement(stmt: object, sql: string, intercept: Interceptor): object {
  const wrapped = proxied(stmt, (target, prop) => {
    const value = callOn(target, prop);
    if (typeof value !== "function" || typeof prop !== "string") return value;
    if (prop === "bind") return (...args: unknown[]) => wrapStatement((value as Fn)(...args) as object, sql, intercept);
    if (!D1_STATEMENT_CALLS.has(prop)) return value;
    return (...args: unknown[]) =>
      intercept({ binding: "DB", method: prop, detail: sql }, () => (value as Fn)(...args));
  });
  statementSql.set(wrapped, sql);
  return wrapped;
}

function wrapD1(d1: object, intercept: Interceptor): object {
  return proxied(d1, (target, prop) => {
    const value = callOn(target, prop);
    if (typeof value !== "function" || typeof prop !== "string") return value;
    if (prop === "prepare") return (sql: string) => wrapStatement((value as Fn)(sql) as object, sql, intercept);
    if (prop === "withSession") return (...args: unknown[]) => wrapD1((value as Fn)(...args) as object, intercept);
    if (prop === "batch") {
      return (stmts: object[]) =>
        intercept(
          { binding: "DB", method: "batch", detail: stmts.map((st) => statementSql.get(st) ?? "?").join("; ") },
          () => (value as Fn)(stmts.map(unwrap)),
        );
    }
    if (prop === "exec")
      return (sql: string) => intercept({ binding: "DB", method: "exec", detail: sql }, () => (value as Fn)(sql));
    return value;
  });
}

function wrapStub(stub: object, binding: Binding, name: string, intercept: Interceptor): object {
  return new Proxy(stub, {
    get(target, prop) {
      // Not a thenable: `await stub` must not look like an RPC call.
      if (prop === "then") return undefined;
      if (typeof prop !== "string" || STUB_LOCAL.has(prop)) return Reflect.get(target, prop);
      // Every other property of a stub is an RPC method: intercepted when called, called on the real stub.
      return (...args: unknown[]) =>
        intercept({ binding, method: prop, detail: name }, () => (target as Record<string, Fn>)[prop]!(...args));
    },
  });
}

function wrapNamespace(ns: object, binding: Binding, intercept: Interceptor): object {
  const names = new WeakMap<object, string>();
  return proxied(ns, (target, prop) => {
    const value = callOn(target, prop);
    if (typeof value !== "function") return value;
    if (prop === "idFromName") {
      return (name: string) => {
        const id = (value as Fn)(name) as object;
        names.set(id, name);
        return id;
      };
    }
    // get/getByName only make a stub (no round trip); the stub's method calls are the round trips.
    if (prop === "get" || prop === "getByName") {
      return (...args: unknown[]) => {
        const first = args[0] as object | string;
        const name = typeof first === "string" ? first : (names.get(first) ?? String(first));
        return wrapStub((value as Fn)(...args.map(unwrap)) as object, binding, name, intercept);
      };
    }
    return value;
  });
}

const WRAPPERS: Record<Binding, (b: object, intercept: Interceptor) => object> = {
  KV: wrapKv,
  DB: wrapD1,
  USER: (b, intercept) => wrapNamespace(b, "USER", intercept),
  LIMITER: (b, intercept) => wrapNamespace(b, "LIMITER", intercept),
};

/** `env` with its storage bindings passing every call through `intercept`; every other property is the original. */
export function instrumentedEnv<E extends object>(env: E, intercept: Interceptor): E {
  const wrapped = new Map<string, object>();
  return new Proxy(env, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof prop !== "string" || !(prop in WRAPPERS) || value === null || typeof value !== "object") return value;
      let w = wrapped.get(prop);
      if (!w) {
        w = WRAPPERS[prop as Binding](value, intercept);
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}
