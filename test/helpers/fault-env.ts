/**
 * Fault injection for integration tests: wraps the real bindings (D1, KV, the USER and LIMITER Durable Object
 * namespaces), counts every storage call the app makes through them, and throws on the one a plan names —
 * with errors shaped like the runtime's own (D1_ERROR…, "KV GET failed…", DO errors with `retryable: true`).
 * Nothing is mocked: every call that is not failed goes to the real local storage.
 */
import type { Env } from "../../src/config";

export type Binding = "DB" | "KV" | "USER" | "LIMITER";

/** One storage call the app made, in order. */
export interface StorageCall {
  /** 1-based position among all calls of all bindings. */
  index: number;
  binding: Binding;
  /** 1-based position among the calls of this binding. */
  nth: number;
  /** D1: first/all/run/raw/batch/exec; KV: get/getWithMetadata/put/delete/list; DO: the RPC method name. */
  method: string;
  /** D1: the SQL; KV: the key; DO: the object's name when known. */
  detail: string;
}

/**
 * Which call fails: the `at`-th call overall, or the `nth` call of `binding`.
 * `when: "before"` (default) fails it without running it; `"after"` runs it, then throws (the answer was lost).
 */
export type FaultPlan = ({ at: number } | { binding: Binding; nth: number }) & { when?: "before" | "after" };

/** An error shaped like the one the runtime throws for that binding. */
function storageError(binding: Binding, method: string): Error {
  switch (binding) {
    case "DB":
      return new Error("D1_ERROR: injected fault: Network connection lost.");
    case "KV":
      return new Error(`KV ${method === "getWithMetadata" ? "GET" : method.toUpperCase()} failed: 503 Service Unavailable`);
    case "USER":
    case "LIMITER":
      return Object.assign(new Error("Network connection lost."), { retryable: true });
  }
}

export class FaultEnv {
  /** The wrapped bindings plus every var and secret of the base env. */
  readonly env: Env;
  readonly calls: StorageCall[] = [];
  /** The call that was failed, once it was. */
  injected: StorageCall | null = null;
  #plan: FaultPlan | null;
  readonly #perBinding = new Map<Binding, number>();

  constructor(base: Env, plan: FaultPlan | null = null) {
    this.#plan = plan;
    this.env = {
      ...base,
      DB: this.#d1(base.DB),
      KV: this.#kv(base.KV),
      USER: this.#namespace("USER", base.USER),
      LIMITER: this.#namespace("LIMITER", base.LIMITER),
    };
  }

  /** How many calls were made (of one binding, or of all). */
  count(binding?: Binding): number {
    return binding ? (this.#perBinding.get(binding) ?? 0) : this.calls.length;
  }

  /** "DB.run(insert into credentials…)" style labels, for messages. */
  describe(call: StorageCall | null = this.injected): string {
    return call ? `#${call.index} ${call.binding}.${call.method}(${call.detail.slice(0, 80)})` : "no call";
  }

  #matches(call: StorageCall): boolean {
    const plan = this.#plan;
    if (!plan || this.injected) return false;
    return "at" in plan ? plan.at === call.index : plan.binding === call.binding && plan.nth === call.nth;
  }

  /** Every storage call goes through here: recorded, then run or failed as the plan says. */
  async #call<T>(binding: Binding, method: string, detail: string, run: () => Promise<T>): Promise<T> {
    const nth = (this.#perBinding.get(binding) ?? 0) + 1;
    this.#perBinding.set(binding, nth);
    const call: StorageCall = { index: this.calls.length + 1, binding, nth, method, detail };
    this.calls.push(call);
    const fail = this.#matches(call);
    if (fail) this.injected = call;
    if (fail && this.#plan?.when !== "after") throw storageError(binding, method);
    const result = await run();
    if (fail) throw storageError(binding, method);
    return result;
  }

  // ------------------------------------------------------------------ D1

  #d1(db: D1Database): D1Database {
    const real = new WeakMap<object, D1PreparedStatement>();
    const wrapStatement = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
      const wrapped = {
        bind: (...values: unknown[]) => wrapStatement(stmt.bind(...values), sql),
        first: (column?: string) => this.#call("DB", "first", sql, () => (column === undefined ? stmt.first() : stmt.first(column))),
        all: () => this.#call("DB", "all", sql, () => stmt.all()),
        run: () => this.#call("DB", "run", sql, () => stmt.run()),
        raw: (options?: { columnNames?: boolean }) => this.#call("DB", "raw", sql, () => stmt.raw(options as { columnNames: true })),
      } as unknown as D1PreparedStatement;
      real.set(wrapped, stmt);
      return wrapped;
    };
    const unwrap = (statements: D1PreparedStatement[]) => statements.map((s) => real.get(s) ?? s);
    const wrapSession = <S extends { prepare(q: string): D1PreparedStatement; batch: D1Database["batch"] }>(target: S): S =>
      new Proxy(target, {
        get: (t, prop) => {
          if (prop === "prepare") return (query: string) => wrapStatement(t.prepare(query), query);
          if (prop === "batch") return (statements: D1PreparedStatement[]) => this.#call("DB", "batch", `${statements.length} statements`, () => t.batch(unwrap(statements)));
          if (prop === "exec") return (query: string) => this.#call("DB", "exec", query, () => (t as unknown as D1Database).exec(query));
          if (prop === "withSession") return (arg?: string) => wrapSession((t as unknown as D1Database).withSession(arg as never));
          const v = Reflect.get(t, prop, t) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      });
    return wrapSession(db);
  }

  // ------------------------------------------------------------------ KV

  #kv(kv: KVNamespace): KVNamespace {
    const call = (method: string, detail: string, run: () => Promise<unknown>) => this.#call("KV", method, detail, run);
    return {
      get: (key: string, options?: unknown) => call("get", key, () => kv.get(key, options as never)),
      getWithMetadata: (key: string, options?: unknown) => call("getWithMetadata", key, () => kv.getWithMetadata(key, options as never)),
      put: (key: string, value: unknown, options?: KVNamespacePutOptions) => call("put", key, () => kv.put(key, value as string, options)),
      delete: (key: string) => call("delete", key, () => kv.delete(key)),
      list: (options?: KVNamespaceListOptions) => call("list", options?.prefix ?? "", () => kv.list(options)),
    } as unknown as KVNamespace;
  }

  // ------------------------------------------------------------------ Durable Objects

  #namespace<T extends Rpc.DurableObjectBranded | undefined>(binding: Binding, ns: DurableObjectNamespace<T>): DurableObjectNamespace<T> {
    const names = new WeakMap<DurableObjectId, string>();
    return new Proxy(ns, {
      get: (target, prop) => {
        if (prop === "idFromName") {
          return (name: string) => {
            const id = target.idFromName(name);
            names.set(id, name);
            return id;
          };
        }
        if (prop === "get") return (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) => this.#stub(binding, target.get(id, options), names.get(id) ?? id.toString());
        if (prop === "getByName") return (name: string) => this.#stub(binding, target.get(target.idFromName(name)), name);
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** A stub whose every RPC method call is counted (and may fail); `id` and `name` pass through. */
  #stub<S extends object>(binding: Binding, stub: S, name: string): S {
    return new Proxy(stub, {
      get: (target, prop) => {
        // Not a thenable: `await stub` must not look like an RPC call.
        if (prop === "then" || typeof prop === "symbol") return undefined;
        if (prop === "id" || prop === "name") return Reflect.get(target, prop, target) as unknown;
        return (...args: unknown[]) =>
          this.#call(binding, String(prop), name, () => (target as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[prop]!(...args));
      },
    });
  }
}
