/** "Download my data" shows where a request came from only for the person's own events, never a stranger's. */
import { describe, expect, it } from "vitest";
import { signUp } from "../helpers/accounts";
import { waitForEvents } from "../helpers/audit-events";
import { TestBrowser } from "../helpers/browser";
import { userIdOf } from "../helpers/oidc-client";

describe("the data download and other people's requests", () => {
  it("a stranger asking for a link to the address is recorded as anonymous, without their browser in the file", async () => {
    const a = await signUp();
    const id = userIdOf(a.browser);
    const stranger = new TestBrowser();
    stranger.userAgent = "STRANGER-UA/1.0";
    await stranger.csrf();
    expect((await stranger.postJson("/auth/email", { email: a.email })).status).toBe(202);
    const [event] = await waitForEvents("link.requested", id);
    expect(event!.actor).toBe("anonymous");
    const res = await a.browser.fetch("/account/data", { method: "POST", form: { csrf: await a.browser.csrf() } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("link.requested");
    expect(text).not.toContain("STRANGER-UA");
  });
});
