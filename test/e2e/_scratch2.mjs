import { launchBrowser, startStack, magicLinkIn } from "./harness.mjs";
const stack = await startStack("scratch2");
const O = stack.origin;
const b = await launchBrowser();
const { page } = b;
try {
page.on("request", (r) => { if (r.method() === "POST") console.log(r.method(), r.url(), JSON.stringify(r.headers())); });
await page.goto(`${O}/signin`);
await page.getByLabel("Email").fill("y@example.com");
await page.getByRole("button", { name: "Email me a sign-in link" }).click();
const mail = await stack.mailbox.waitFor("y@example.com");
await page.goto(magicLinkIn(mail, O));
await page.getByRole("button", { name: "Continue" }).click();
await page.waitForTimeout(1000);
console.log(await page.title());
} finally {
await b.close(); await stack.stop();
}
