import { startStack } from "./harness.mjs";
const stack = await startStack("serve");
console.log(stack.origin, stack.mailbox.url);
await new Promise((r) => setTimeout(r, Number(process.argv[2] ?? 60) * 1000));
await stack.stop();
