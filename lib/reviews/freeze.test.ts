import { describe, expect, it } from "vitest";
import { copyRow } from "@/lib/db/pg-direct";
import { ITEM_COLUMNS, ItemFragments } from "./freeze";
import { ItemsHasher } from "./items-hash";

// A plain membership's item made from fragments (the campaign start's path for a million of them, #20) must be exactly
// the general path's: the same canonical line in the items hash, the same COPY row.
describe("ItemFragments", () => {
  const people = [
    {
      id: "0b1e0c5e-0000-4000-8000-000000000001",
      displayName: 'Zoë "Z" Tab\there \\ back',
      userPrincipalName: "zoe@contoso.com",
      userType: "Member",
      lastSignInStored: "2026-10-01T08:30:00.000Z",
    },
    { id: "0b1e0c5e-0000-4000-8000-000000000002", displayName: null, userPrincipalName: null, userType: "Guest" },
    {
      id: "0b1e0c5e-0000-4000-8000-000000000003",
      displayName: "Line\nbreak 🙂",
      userPrincipalName: "x@fabrikam.com",
      userType: "Guest",
      lastSignInStored: null,
    },
  ];
  const names = new Map([["0b1e0c5e-0000-4000-8000-000000000002", "Same id as a group (never in Entra)"]]);
  const resources = [
    { id: "g-1", type: "group" as const, name: "Engineering\\Platform" },
    { id: "g-2", type: "group" as const, name: null },
  ];
  const advices = [
    { recommendation: "approve", reason: "Signed in 3 days ago." },
    { recommendation: "revoke", reason: 'No sign-in for 120 days — "stale"\tand more.' },
  ];
  const details = ["member", "member until 2026-12-31", "with\ttab"];

  it("gives addValues' hash line and copyRow's COPY row for every person, resource, advice and detail", () => {
    const f = new ItemFragments(people as never, "campaign-1", true, (id) => names.get(id));
    const general = new ItemsHasher();
    const fast = new ItemsHasher();
    let ordinal = 0;
    for (const r of resources) {
      const frag = f.resource(r);
      for (const [ix, u] of people.entries())
        for (const a of advices)
          for (const detail of details) {
            ordinal++;
            const kind = ItemFragments.kind(u);
            general.addValues(ordinal, u.id, "user", kind, r.type, r.id, u.id, detail, a.recommendation, a.reason);
            fast.addLine(f.hashLine(ix, ordinal, detail, a, frag));
            const id = `item-${ordinal}`;
            const values = [
              id,
              "campaign-1",
              ordinal,
              u.id,
              "user",
              u.displayName ?? names.get(u.id) ?? null,
              u.userPrincipalName,
              kind,
              r.type,
              r.id,
              r.name,
              u.id,
              detail,
              u.lastSignInStored ?? null,
              a.recommendation,
              a.reason,
            ];
            expect(f.copyRow(id, ix, ordinal, detail, a, frag)).toBe(copyRow(values, ITEM_COLUMNS));
          }
    }
    expect(fast.size).toBe(general.size);
    expect(fast.digest()).toBe(general.digest());
  });
});
