import { startStack, launchBrowser, magicLinkIn } from "./harness.mjs";
const t0 = Date.now();
const stack = await startStack("scratch");
console.log("stack up", Date.now() - t0, stack.origin);
const b = await launchBrowser();
const { page } = b;
try {
  const email = "a@example.com";
  await page.goto(`${stack.origin}/signin`);
  await page.getByLabel("Email").fill(email);
  const since = Date.now();
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  console.log("status:", await page.getByRole("status").textContent());
  const mail = await stack.mailbox.waitFor(email, { since });
  console.log("mail", mail.subject, Date.now() - since);
  const link = magicLinkIn(mail, stack.origin);
  await page.goto(link);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(/passkey\/offer/);
  console.log("offer", page.url());
  await page.getByRole("button", { name: "Create a passkey" }).click();
  await page.waitForURL(/\/account/);
  console.log("account", page.url(), (await b.credentials()).length);
  await b.presence(false);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.waitForURL(/\/signin/);
  await page.waitForTimeout(2000);
  console.log("after signout, url", page.url(), "status", await page.getByRole("status").textContent());
  await b.presence(true);
  await page.waitForTimeout(1000);
  console.log("after presence on, url", page.url());
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await page.waitForURL(/\/account/, { timeout: 10000 });
  console.log("signed in", page.url());
  console.log(await page.getByRole("list", { name: "Sessions" }).innerText());
  console.log(await page.getByRole("list", { name: "Passkeys" }).innerText());
  // autofill path
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.waitForURL(/\/signin/);
  await page.waitForTimeout(3000);
  console.log("autofill path url", page.url(), await page.getByRole("status").textContent());
} catch (e) { console.error(e); await page.screenshot({ path: "test-results/scratch.png" }); console.log(b.consoleLines.join("\n")); }
finally { await b.close(); await stack.stop(); }
console.log("total", Date.now() - t0);
