import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "@/lib/audit/canonical";
import { ItemsHasher, type FrozenItemFields } from "./items-hash";

describe("ItemsHasher", () => {
  it("hashes exactly the canonical JSON lines of the items, in order, however many", () => {
    const items: FrozenItemFields[] = Array.from({ length: 5_000 }, (_, n) => ({
      ordinal: n + 1,
      principalId: `p-${n}`,
      principalType: n % 7 ? "user" : "group",
      principalKind: n % 5 ? "member" : "guest",
      resourceType: "group",
      resourceId: `r-${n % 13}`,
      accessId: `a-${n}`,
      accessDetail: n % 3 ? "member" : null,
      recommendation: n % 2 ? "approve" : "revoke",
      recommendationReason: n % 11 ? `No sign-in for ${n} days — "quoted", ünïcödé, \u2028 and \\ backslash.` : "",
    }));
    // One line longer than the hasher's buffer (its text is encoded into a buffer that must grow), with astral
    // characters (4 bytes of UTF-8 each).
    items[4_321]!.recommendationReason = "🙂 long ".repeat(40_000);
    const h = new ItemsHasher();
    for (const i of items) h.add(i);
    const reference = createHash("sha256");
    for (const i of items) reference.update(canonicalJson(i)).update("\n");
    expect(h.size).toBe(items.length);
    expect(h.digest()).toBe(reference.digest("hex"));
  });
});
