/** The magic-link mail: wording for sign-in and for a new account, validity, and an escaped link in the HTML. */
import { describe, expect, it } from "vitest";
import { magicLinkEmail } from "../../src/magic-link/mail-template";

const url = 'https://id.example.com/magic-link?token=abc&x="><script>alert(1)</script>';

describe("magicLinkEmail", () => {
  it("sign-in wording: subject, link, works once, expiry, and what to do if you did not ask", () => {
    const m = magicLinkEmail({
      to: "ada@example.org",
      url,
      rpName: "Acme ID",
      expiresInMinutes: 15,
      isNewAccount: false,
    });
    expect(m.to).toBe("ada@example.org");
    expect(m.subject).toBe("Your Acme ID sign-in link");
    expect(m.text).toContain(`\n${url}\n`);
    expect(m.text).toContain("sign in to Acme ID");
    expect(m.text).toContain("works once and expires in 15 minutes");
    expect(m.text).toContain("If you did not ask for this, you can ignore this email");
    expect(m.html).toContain("works once and expires in 15 minutes");
  });

  it("new-account wording says the link creates the account, and nothing happens if ignored", () => {
    const m = magicLinkEmail({
      to: "ada@example.org",
      url,
      rpName: "Acme ID",
      expiresInMinutes: 1,
      isNewAccount: true,
    });
    expect(m.subject).toBe("Finish creating your Acme ID account");
    expect(m.text).toContain("create a Acme ID account");
    expect(m.text).toContain("expires in 1 minute.");
    expect(m.text).toContain("no account is created unless the link is used");
    expect(m.html).toContain("Create my Acme ID account");
  });

  it("HTML injection: the URL and the name are escaped in the HTML part", () => {
    const m = magicLinkEmail({
      to: "a@b.test",
      url,
      rpName: "<b>Evil</b> & Co",
      expiresInMinutes: 15,
      isNewAccount: false,
    });
    expect(m.html).not.toContain("<script>");
    expect(m.html).not.toContain("<b>Evil</b>");
    expect(m.html).toContain(
      'href="https://id.example.com/magic-link?token=abc&amp;x=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"',
    );
    expect(m.html).toContain("&lt;b&gt;Evil&lt;/b&gt; &amp; Co");
  });

  it("a name with line breaks cannot break the subject header", () => {
    const m = magicLinkEmail({
      to: "a@b.test",
      url,
      rpName: "Acme\r\nBcc: victim@example.net",
      expiresInMinutes: 15,
      isNewAccount: false,
    });
    expect(m.subject).not.toMatch(/[\r\n]/);
  });
});
