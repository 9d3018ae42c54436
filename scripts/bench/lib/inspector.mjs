// A minimal DevTools protocol client for workerd's inspector (CPU profiles, heap sizes).
import { WebSocket } from "./tools.mjs";

/** A DevTools protocol session on one isolate; connecting and each call time out after `timeoutMs`. */
export async function inspect(url, timeoutMs) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`inspector ${url} did not open`));
    }, timeoutMs);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  let id = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(data);
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg.result);
      waiting.delete(msg.id);
    }
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      id += 1;
      const mine = id;
      const timer = setTimeout(() => {
        waiting.delete(mine);
        reject(new Error(`inspector ${method} timed out`));
      }, timeoutMs);
      waiting.set(mine, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  return { call, close: () => ws.close() };
}
