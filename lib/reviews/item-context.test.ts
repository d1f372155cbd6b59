/**
 * Context for each decision (#18, item 5), checked against the emulator's own tenant rather than against Recert's
 * queries: the person's directory facts, peers holding the same access (counted here from the tenant), the previous
 * campaign's decision on the same access, "new since the last review" for access no earlier campaign saw, and who may
 * read it (the item's reviewers, admins, auditors; nobody else, and nothing across campaigns).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { setup } from "@/tests/support/emulator-fixture";
import { quarterlyPreset } from "./definition";
import { decide } from "./decisions";
import { itemContext } from "./item-context";
import { closeCampaign, createCampaign, startCampaign, type Actor } from "./lifecycle";
import { reviewPage, ZReviewQuery } from "./queries";

let s: Awaited<ReturnType<typeof setup>>;
const ADMIN: Actor = { id: "6f1c3a9e-7777-4777-8777-777777777777", name: "Ada Admin", role: "admin" };
let me: Actor;
let first = "";
let second = "";

const group = (name: string) => s.emu.tenant.groups.find((g) => g.displayName === name)!;

async function campaign(groups: string[]): Promise<string> {
  const p = quarterlyPreset(new Date());
  p.config.scope = { kind: "groups", groupIds: groups.map((g) => group(g).id) };
  const { campaignId } = await createCampaign(s.ctx, ADMIN, p);
  await startCampaign(s.ctx, ADMIN, campaignId);
  return campaignId;
}

beforeAll(async () => {
  s = await setup({ users: 150 });
  await s.syncNow();
  const r = s.emu.tenant.users.find((u) => u.userPrincipalName === "reviewer@contoso.onmicrosoft.com")!;
  me = { id: r.id, name: r.displayName, role: "reviewer" };
  first = await campaign(["Partner Collaboration"]);
  const items = await s.db.campaignItem.findMany({ where: { campaignId: first, principalKind: "member" } });
  await decide(s.ctx, me, {
    campaignId: first,
    itemIds: [items[0]!.id],
    decision: "revoke",
    justification: "Moved to another team",
  });
  await closeCampaign(s.ctx, ADMIN, first);
  second = await campaign(["Partner Collaboration", "Engineering - Platform"]);
});
afterAll(async () => {
  await s?.close();
});

describe("an item's context", () => {
  test("the person, their peers and other access, as the tenant has them; the previous decision on this access", async () => {
    const revoked = await s.db.campaignItem.findFirstOrThrow({ where: { campaignId: first, decision: "revoke" } });
    const item = await s.db.campaignItem.findFirstOrThrow({
      where: { campaignId: second, principalId: revoked.principalId, resourceId: revoked.resourceId },
    });
    const c = await itemContext(s.ctx, me, second, item.id);
    const t = s.emu.tenant;
    const u = t.userById.get(item.principalId)!;
    expect(c.principal).toMatchObject({
      upn: u.userPrincipalName,
      jobTitle: u.jobTitle,
      department: u.department,
      accountEnabled: u.accountEnabled,
      manager: u.managerId ? { id: u.managerId, upn: t.userById.get(u.managerId)!.userPrincipalName } : null,
    });
    // Peers, counted from the tenant: enabled users of the same department, without the person, and those in the group.
    const g = group("Partner Collaboration");
    const dept = t.users.filter((x) => x.accountEnabled && x.department === u.department && x.id !== u.id);
    expect(c.peers.sameDepartment).toEqual({
      holding: dept.filter((x) => g.members.has(x.id)).length,
      of: dept.length,
    });
    const otherGroups = t.groups.filter((x) => x.id !== g.id && x.members.has(u.id)).map((x) => x.displayName);
    expect(c.otherAccess.groups.sort()).toEqual(otherGroups.sort().slice(0, 25));
    expect(c.previous).toMatchObject({
      campaignId: first,
      decision: "revoke",
      by: me.name,
      justification: "Moved to another team",
    });
  });

  test("access no earlier campaign reviewed is new since the last review", async () => {
    const eng = group("Engineering - Platform");
    const item = await s.db.campaignItem.findFirstOrThrow({ where: { campaignId: second, resourceId: eng.id } });
    expect((await itemContext(s.ctx, ADMIN, second, item.id)).previous).toBeNull();
  });

  test("the review list marks access new since the last review, and only when there was an earlier review", async () => {
    const page = (await reviewPage(s.ctx, second, me.id, ZReviewQuery.parse({})))!;
    const eng = group("Engineering - Platform").id;
    expect(page.rows.length).toBeGreaterThan(0);
    for (const r of page.rows) expect(r.isNew, `${r.resourceName} ${r.principalName}`).toBe(r.resourceId === eng);
    const firstPage = (await reviewPage(s.ctx, first, me.id, ZReviewQuery.parse({})))!;
    for (const r of firstPage.rows) expect(r.isNew).toBeNull(); // nothing earlier to compare with
  });

  test("the New filter lists exactly the access the badge calls new, over the whole list, with the other filters", async () => {
    const all = (await reviewPage(s.ctx, second, me.id, ZReviewQuery.parse({})))!;
    const fresh = (await reviewPage(s.ctx, second, me.id, ZReviewQuery.parse({ since: "new" })))!;
    const eng = group("Engineering - Platform").id;
    const mine = await s.db.campaignItemReviewer.findMany({
      where: { campaignId: second, reviewerId: me.id },
      select: { itemId: true },
    });
    const expected = await s.db.campaignItem.count({
      where: { id: { in: mine.map((m) => m.itemId) }, resourceId: eng, stage: 1 },
    });
    expect(fresh.total).toBe(expected);
    expect(fresh.total).toBeGreaterThan(0);
    expect(fresh.total).toBeLessThan(all.total);
    expect(fresh.rows.every((r) => r.isNew === true)).toBe(true);
    // The total comes with the page; a page past the end still knows it.
    expect((await reviewPage(s.ctx, second, me.id, ZReviewQuery.parse({ since: "new", page: 999 })))!.total).toBe(
      expected,
    );
    // Progress still counts the whole review, and the filter combines with the others.
    expect(fresh.progress).toEqual(all.progress);
    const freshGuests = (await reviewPage(s.ctx, second, me.id, ZReviewQuery.parse({ since: "new", kind: "guest" })))!;
    expect(freshGuests.rows.every((r) => r.isNew === true && r.principalKind === "guest")).toBe(true);
    // With no earlier campaign, everything is new.
    const firstAll = (await reviewPage(s.ctx, first, me.id, ZReviewQuery.parse({})))!;
    expect((await reviewPage(s.ctx, first, me.id, ZReviewQuery.parse({ since: "new" })))!.total).toBe(firstAll.total);
  });

  test("only the item's reviewers, admins and auditors read it; never across campaigns", async () => {
    const item = await s.db.campaignItem.findFirstOrThrow({ where: { campaignId: second } });
    const reviewers = await s.db.campaignItemReviewer.findMany({
      where: { itemId: item.id },
      select: { reviewerId: true },
    });
    const stranger = s.emu.tenant.users.find(
      (u) => u.accountEnabled && u.userType === "Member" && !reviewers.some((r) => r.reviewerId === u.id),
    )!;
    await expect(
      itemContext(s.ctx, { id: stranger.id, name: stranger.displayName, role: "reviewer" }, second, item.id),
    ).rejects.toThrow(/not yours to review/);
    await expect(itemContext(s.ctx, { ...ADMIN, role: "auditor" }, second, item.id)).resolves.toBeDefined();
    await expect(itemContext(s.ctx, ADMIN, first, item.id)).rejects.toThrow(/No such item/); // another campaign's id
    await expect(itemContext(s.ctx, ADMIN, second, "00000000-0000-4000-8000-000000000000")).rejects.toThrow(
      /No such item/,
    );
  });
});
