/**
 * Fault injection for integration tests: through instrumented-env.ts, wraps the real bindings (D1, KV, the USER and
 * LIMITER Durable Object namespaces), counts every storage call the app makes through them, and throws on the one a plan names —
 * with errors shaped like the runtime's own (D1_ERROR…, "KV GET failed…", DO errors with `retryable: true`).
 * Nothing is mocked: every call that is not failed goes to the real local storage.
 */
import type { Env } from "../../src/config";
import { type Binding, instrumentedEnv, type StorageOp } from "./instrumented-env";

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
      return new Error(
        `KV ${method === "getWithMetadata" ? "GET" : method.toUpperCase()} failed: 503 Service Unavailable`,
      );
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
    this.env = instrumentedEnv(base, (op, run) => this.#call(op, run));
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
  async #call({ binding, method, detail }: StorageOp, run: () => unknown): Promise<unknown> {
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
}
