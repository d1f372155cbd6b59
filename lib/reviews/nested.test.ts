/**
 * Nested membership (#19), against the emulator and a real database (both engines): a campaign over a group reviews
 * each person who holds its access through groups nested in it, once, with the path; a cycle (AD lets groups contain
 * each other, and hybrid tenants sync that) ends and is counted in the manifest; exclusions still apply; a revoked
 * nested item is never turned into a Graph removal of Recert's choosing: it becomes a manual task naming both
 * memberships that could go and what each takes away.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportHeader } from "@/lib/reports";
import { campaignForm } from "@/tests/support/campaign-form";
import { setup } from "@/tests/support/emulator-fixture";
import { UserError } from "@/lib/errors";
import {
  applyCampaign,
  closeCampaign,
  createCampaignFromForm,
  decide,
  forceDecision,
  reconcileWithDirectory,
  startCampaign,
  ZCampaignForm,
  type Actor,
  type Ctx,
  type TCampaignFormInput,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "admin-oid", name: "Ada Admin", role: "admin" };

/** Top ⊃ Mid ⊃ Leaf ⊃ Top (a cycle), with people at each level. */
const G = { top: "", mid: "", leaf: "" };
const P = { direct: "", mid: "", leaf: "", both: "", excluded: "" };
let excludedUpn = "";

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
  const t = s.emu.tenant;
  const people = t.users.filter((u) => u.userType === "Member" && u.accountEnabled).slice(-5);
  [P.direct, P.mid, P.leaf, P.both, P.excluded] = people.map((u) => u.id) as [string, string, string, string, string];
  excludedUpn = people[4]!.userPrincipalName;
  for (const k of ["top", "mid", "leaf"] as const)
    G[k] = String((await s.control("POST", "/groups", { displayName: `Nested ${k}` })).id);
  const add = (g: string, m: string) => s.control("POST", `/groups/${g}/members`, { id: m });
  await add(G.top, P.direct);
  await add(G.top, P.both);
  await add(G.top, G.mid);
  await add(G.mid, P.mid);
  await add(G.mid, G.leaf);
  await add(G.leaf, P.leaf);
  await add(G.leaf, P.both); // also direct in Top: one item, the direct one
  await add(G.leaf, P.excluded);
  await add(G.leaf, G.top); // the cycle
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

const form = (scope: TCampaignFormInput["scope"]) => campaignForm(scope, "Nested review");
const started = async (scope: TCampaignFormInput["scope"]) => {
  const { campaignId } = await createCampaignFromForm(ctx, ADMIN, ZCampaignForm.parse(form(scope)));
  await startCampaign(ctx, ADMIN, campaignId);
  const items = await s.db.campaignItem.findMany({ where: { campaignId }, orderBy: { ordinal: "asc" } });
  const campaign = await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
  const manifest = JSON.parse(campaign.syncManifest!) as { freeze: { nested?: Record<string, number> } };
  return { campaignId, items, nested: manifest.freeze.nested };
};

describe("nested membership", () => {
  test("each person holding the group's access through nested groups is one item with the path; the cycle ends and is counted", async () => {
    const { campaignId, items, nested } = await started({
      kind: "groups",
      groupIds: [G.top],
      excludeUpns: [excludedUpn],
    });
    const seen = items.map((i) => [i.principalId, i.resourceType, i.accessId, i.accessDetail]);
    expect(seen).toEqual(
      expect.arrayContaining([
        [P.direct, "group", P.direct, "member"],
        [P.both, "group", P.both, "member"],
        [G.mid, "group", G.mid, "member"],
        [P.mid, "groupNested", G.mid, "via Nested mid"],
        // accessId: the path's group ids, reviewed group down (the links a removal could take).
        [P.leaf, "groupNested", `${G.mid}>${G.leaf}`, "via Nested mid → Nested leaf"],
      ]),
    );
    // Once each: the person who is also a direct member is not reviewed again through the nesting; the excluded person
    // is not reviewed at all; the cycle adds nothing.
    expect(items).toHaveLength(5);
    expect(new Set(items.map((i) => i.resourceId))).toEqual(new Set([G.top]));
    expect(items.find((i) => i.principalId === G.mid)!.recommendationReason).toMatch(/reviewed in this campaign too/);
    expect(nested).toEqual({ items: 2, groupsWithNesting: 1, maxDepth: 2, cycleLinks: 1 });
    // The report's cover says so.
    expect((await reportHeader(ctx, campaignId)).nested).toEqual([
      "included: 2 item(s) held through nested groups",
      "1 reviewed group(s) with nesting, up to 2 level(s) deep",
      "1 cyclic link(s) seen and not followed twice",
    ]);

    // Off, the campaign reviews direct members only (the nested group is one item), as definitions stored before did.
    const direct = await started({ kind: "groups", groupIds: [G.top], nested: false });
    expect(direct.items.map((i) => i.principalId).sort()).toEqual([P.direct, P.both, G.mid].sort());
    expect(direct.nested).toBeUndefined();
    expect((await reportHeader(ctx, direct.campaignId)).nested).toBeNull();
  });

  test("every reviewed group of the cycle gets its own nested people, each once", async () => {
    const { items } = await started({ kind: "groups", groupIds: [G.top, G.mid, G.leaf] });
    const key = (i: (typeof items)[number]) => `${i.resourceId}/${i.principalId}`;
    expect(new Set(items.map(key)).size).toBe(items.length);
    // Leaf ⊃ Top ⊃ Mid: Leaf's people through Top, and Mid's through Top.
    const leafItems = items.filter((i) => i.resourceId === G.leaf && i.resourceType === "groupNested");
    expect(leafItems.map((i) => [i.principalId, i.accessDetail]).sort()).toEqual(
      [
        [P.direct, "via Nested top"],
        [P.mid, "via Nested top → Nested mid"],
      ].sort(),
    );
  });

  test("a revoked nested item becomes a manual task naming both memberships; no Graph write, the memberships stay", async () => {
    const { campaignId, items } = await started({ kind: "groups", groupIds: [G.top] });
    const leafItem = items.find((i) => i.principalId === P.leaf)!;
    const directItem = items.find((i) => i.principalId === P.direct)!;
    expect(await forceDecision(ctx, ADMIN, campaignId, [leafItem.id, directItem.id], "revoke", "Left the team")).toBe(
      2,
    );
    await closeCampaign(ctx, ADMIN, campaignId);
    const writesBefore = ((await s.control("GET", "/writes")).value as unknown[]).length;
    const summary = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient());
    expect(summary).toMatchObject({ applied: 1, failed: 0, manual: 1 });
    const writes = ((await s.control("GET", "/writes")).value as { method: string; path: string }[]).slice(
      writesBefore,
    );
    // The direct member's removal only.
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`DELETE /groups/${G.top}/members/${P.direct}/$ref`]);
    const t = s.emu.tenant;
    expect(t.groupById.get(G.leaf)!.members.has(P.leaf)).toBe(true);
    expect(t.groupById.get(G.mid)!.members.has(G.leaf)).toBe(true);
    const after = await s.db.campaignItem.findUniqueOrThrow({ where: { id: leafItem.id } });
    expect(after.applyStatus).toBe("manual");
    expect(after.applyError).toContain("from Nested leaf");
    expect(after.applyError).toContain("removing Nested mid from Nested top ends this access for every member");
    const audit = await s.db.auditEvent.findMany({ where: { action: "apply.manual", targetId: leafItem.id } });
    expect(audit).toHaveLength(1);
  });

  test("the reviewer's choice is applied: the person out of the group they are in, or the nested group out of the reviewed one; four eyes counts everyone it cuts off", async () => {
    const { campaignId, items } = await started({ kind: "groups", groupIds: [G.top] });
    const leafItem = items.find((i) => i.principalId === P.leaf)!;
    const midItem = items.find((i) => i.principalId === P.mid)!;
    // P.direct's membership of Top went in the test above (not synced since): P.both is still a direct member.
    const directItem = items.find((i) => i.principalId === P.both)!;
    // Attacks on the input: a choice that is neither is refused whole; a choice on a direct item is not kept.
    const refused = await decide(ctx, ADMIN, {
      campaignId,
      itemIds: [leafItem.id],
      decision: "revoke",
      revokeVia: "everything" as never,
    }).catch((e: unknown) => e);
    expect(refused).not.toBeInstanceOf(UserError); // zod's own error, before anything is read
    expect((await s.db.campaignItem.findUniqueOrThrow({ where: { id: leafItem.id } })).decision).toBeNull();
    await decide(ctx, ADMIN, {
      campaignId,
      itemIds: [leafItem.id, directItem.id],
      decision: "revoke",
      revokeVia: "member",
    });
    await decide(ctx, ADMIN, { campaignId, itemIds: [midItem.id], decision: "revoke", revokeVia: "nesting" });
    const stored = await s.db.campaignItem.findMany({ where: { campaignId, decision: "revoke" } });
    expect(Object.fromEntries(stored.map((i) => [i.principalId, i.revokeVia]))).toEqual({
      [P.leaf]: "member",
      [P.both]: null,
      [P.mid]: "nesting",
    });
    const recorded = await s.db.auditEvent.findFirstOrThrow({
      where: { action: "decision.record", targetId: midItem.id },
    });
    expect(JSON.parse(recorded.after!)).toMatchObject({ decision: "revoke", revokeVia: "nesting" });
    await closeCampaign(ctx, ADMIN, campaignId);

    // Taking Mid out of Top cuts off everyone in Mid, whether this campaign reviews them or not; the direct member goes
    // too. Over the threshold, the apply waits for a second admin.
    // Counted from the synced memberships, at any depth: Mid's users, and through the cycle (Leaf ⊃ Top) Top's direct
    // members too (an upper bound: the four-eyes check errs on the side of asking).
    const held = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient(), { approvalThreshold: 4 });
    expect(held.awaitingApproval?.accounts).toBe(5);
    const writesBefore = ((await s.control("GET", "/writes")).value as unknown[]).length;
    const summary = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient(), { approvalThreshold: 10 });
    expect(summary).toMatchObject({ applied: 3, failed: 0, manual: 0 });
    const writes = ((await s.control("GET", "/writes")).value as { method: string; path: string }[])
      .slice(writesBefore)
      .map((w) => `${w.method} ${w.path}`)
      .sort();
    expect(writes).toEqual(
      [
        `DELETE /groups/${G.leaf}/members/${P.leaf}/$ref`,
        `DELETE /groups/${G.top}/members/${G.mid}/$ref`,
        `DELETE /groups/${G.top}/members/${P.both}/$ref`,
      ].sort(),
    );
    const t = s.emu.tenant;
    expect(t.groupById.get(G.leaf)!.members.has(P.leaf)).toBe(false);
    expect(t.groupById.get(G.top)!.members.has(G.mid)).toBe(false);
    // Nothing else: the person stays in Mid, Leaf stays in Mid.
    expect(t.groupById.get(G.mid)!.members.has(P.mid)).toBe(true);
    expect(t.groupById.get(G.mid)!.members.has(G.leaf)).toBe(true);
  });

  test("a person reached by two paths is left to an admin whatever the choice; a choice that would end approved access is too", async () => {
    const t = s.emu.tenant;
    const [x, y, z] = await Promise.all(
      ["Paths X", "Paths Y", "Paths Z"].map(async (n) =>
        String((await s.control("POST", "/groups", { displayName: n })).id),
      ),
    );
    const add = (g: string, m: string) => s.control("POST", `/groups/${g}/members`, { id: m });
    const [twice, once, other] = t.users.filter((u) => u.userType === "Member" && u.accountEnabled).slice(-8, -5);
    await add(x!, y!);
    await add(x!, z!);
    await add(y!, twice!.id);
    await add(z!, twice!.id);
    await add(y!, once!.id);
    await add(y!, other!.id);
    await s.syncNow();
    const { campaignId, items } = await started({ kind: "groups", groupIds: [x!] });
    const twiceItem = items.find((i) => i.principalId === twice!.id)!;
    // Of two equally short paths, the one first in id order (random ids here): the same one at every freeze.
    expect(twiceItem.accessDetail).toMatch(/^via Paths [YZ] \(and 1 other path\)$/);
    const onceItem = items.find((i) => i.principalId === once!.id)!;
    const otherItem = items.find((i) => i.principalId === other!.id)!;
    await decide(ctx, ADMIN, { campaignId, itemIds: [twiceItem.id], decision: "revoke", revokeVia: "member" });
    // Taking Y out of X, while someone else's access through Y was approved.
    await decide(ctx, ADMIN, { campaignId, itemIds: [onceItem.id], decision: "revoke", revokeVia: "nesting" });
    await decide(ctx, ADMIN, { campaignId, itemIds: [otherItem.id], decision: "approve" });
    await closeCampaign(ctx, ADMIN, campaignId);
    const writesBefore = ((await s.control("GET", "/writes")).value as unknown[]).length;
    const summary = await applyCampaign(ctx, ADMIN, campaignId, s.writeClient(), { approvalThreshold: 10 });
    expect(summary).toMatchObject({ applied: 0, failed: 0, manual: 2 });
    expect(((await s.control("GET", "/writes")).value as unknown[]).length).toBe(writesBefore);
    const after = await s.db.campaignItem.findMany({ where: { id: { in: [twiceItem.id, onceItem.id] } } });
    expect(after.find((i) => i.id === twiceItem.id)!.applyError).toContain("more than one path");
    expect(after.find((i) => i.id === onceItem.id)!.applyError).toContain("other decisions in this campaign approved");
    expect(t.groupById.get(x!)!.members.has(y!)).toBe(true);
  });

  test("after a sync, a nested item counts as held while its path's ends stand, and as gone once either is cut", async () => {
    const t = s.emu.tenant;
    const { campaignId, items } = await started({ kind: "groups", groupIds: [G.mid] });
    // Mid ⊃ Leaf ⊃ Top ⊃ … : Leaf's people through Leaf.
    const leafPerson = items.find((i) => i.resourceType === "groupNested" && i.accessId === G.leaf)!;
    expect(leafPerson).toBeDefined();
    await reconcileWithDirectory(ctx);
    const flagged = await s.db.campaignItem.count({ where: { campaignId, goneFromEntra: true } });
    expect(flagged).toBe(0);
    // Someone takes the person out of Leaf in Entra: the next sync sees the nested access gone, and only that.
    await s.control("DELETE", `/groups/${G.leaf}/members/${leafPerson.principalId}`);
    await s.syncNow();
    await reconcileWithDirectory(ctx);
    const gone = await s.db.campaignItem.findMany({ where: { campaignId, goneFromEntra: true } });
    expect(gone.map((i) => i.principalId)).toEqual([leafPerson.principalId]);
    expect(t.groupById.get(G.leaf)!.members.has(leafPerson.principalId)).toBe(false);
  });
});
