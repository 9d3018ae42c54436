/** Host names that reach only this machine: where plain http is allowed (RFC 8252 §7.3, §8.3; local development). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);
