import { describe, expect, it } from "vitest";
import { decoyCredentials } from "../../src/passkeys/decoy-credentials";

describe("decoy credentials (WebAuthn L3 §14.6.2)", () => {
  const secret = "decoy-test-secret-0123456789abcdef0123";

  it("are stable per address and secret, and differ between addresses and secrets", async () => {
    const a = await decoyCredentials(secret, "a@example.test");
    expect(await decoyCredentials(secret, "a@example.test")).toEqual(a);
    expect(await decoyCredentials(secret, "b@example.test")).not.toEqual(a);
    expect(await decoyCredentials(`${secret}-other`, "a@example.test")).not.toEqual(a);
  });

  it("vary in shape across addresses like real lists: one or two, every id length, transports that fit the length", async () => {
    const lists = await Promise.all(
      Array.from({ length: 400 }, (_, i) => decoyCredentials(secret, `user-${i}@example.test`)),
    );
    const two = lists.filter((l) => l.length === 2).length;
    // 48 in 256 lists have two entries: about 75 of 400.
    expect(two).toBeGreaterThan(40);
    expect(two).toBeLessThan(115);
    const byLength = new Map<number, string[][]>();
    for (const d of lists.flat()) byLength.set(d.id.length, [...(byLength.get(d.id.length) ?? []), d.transports]);
    expect([...byLength.keys()].sort((x, y) => x - y)).toEqual([22, 27, 43, 86]);
    expect(new Set(byLength.get(86)!.map((t) => t.join()))).toEqual(new Set(["nfc,usb"]));
    expect(new Set(byLength.get(43)!.map((t) => t.join()))).toEqual(new Set(["internal"]));
    expect(new Set([...byLength.get(22)!, ...byLength.get(27)!].map((t) => t.join()))).toEqual(
      new Set(["hybrid,internal"]),
    );
    // Ids are distinct: no two addresses share a decoy.
    const ids = lists.flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
