/**
 * Delegation by reviewers (#18, item 6), against the emulator and a real database: a reviewer hands items to a
 * colleague with a reason, the colleague then decides them and the reviewer no longer can; the audit log names both; and
 * what an attacker or a careless reviewer would try is refused with nothing changed: items that are someone else's,
 * decided items, oneself, an unknown or disabled account, a colleague who would review their own access, a campaign
 * that turned delegation off, a closed campaign.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { setup } from "@/tests/support/emulator-fixture";
import { quarterlyPreset } from "./definition";
import { decide } from "./decisions";
import { delegateItems } from "./delegation";
import { closeCampaign, createCampaign, startCampaign, type Actor } from "./lifecycle";
import { myInbox } from "./queries";

let s: Awaited<ReturnType<typeof setup>>;
const ADMIN: Actor = { id: "6f1c3a9e-6666-4666-8666-666666666666", name: "Ada Admin", role: "admin" };
let me: Actor;
let colleague: { id: string; upn: string; name: string };
let campaignId = "";
let mine: { id: string; principalId: string }[] = [];

async function campaign(allowDelegation = true): Promise<string> {
  const p = quarterlyPreset(new Date());
  p.config.scope = {
    kind: "groups",
    groupIds: [s.emu.tenant.groups.find((g) => g.displayName === "Engineering - Platform")!.id],
  };
  p.config.allowDelegation = allowDelegation;
  const { campaignId: id } = await createCampaign(s.ctx, ADMIN, p);
  await startCampaign(s.ctx, ADMIN, id);
  return id;
}

const itemsOf = async (id: string, reviewerId: string) =>
  s.db.campaignItem.findMany({
    where: {
      campaignId: id,
      id: {
        in: (await s.db.campaignItemReviewer.findMany({ where: { campaignId: id, reviewerId } })).map((r) => r.itemId),
      },
    },
    select: { id: true, principalId: true },
    orderBy: { ordinal: "asc" },
  });

beforeAll(async () => {
  s = await setup({ users: 120 });
  await s.syncNow();
  const r = s.emu.tenant.users.find((u) => u.userPrincipalName === "reviewer@contoso.onmicrosoft.com")!;
  me = { id: r.id, name: r.displayName, role: "reviewer" };
  campaignId = await campaign();
  mine = await itemsOf(campaignId, me.id);
  expect(mine.length).toBeGreaterThan(3);
  const principals = new Set(mine.map((i) => i.principalId));
  const c = s.emu.tenant.users.find(
    (u) => u.accountEnabled && u.userType === "Member" && u.id !== me.id && !principals.has(u.id),
  )!;
  colleague = { id: c.id, upn: c.userPrincipalName, name: c.displayName };
});
afterAll(async () => {
  await s?.close();
});

const counts = async () => ({
  overrides: await s.db.campaignItemReviewerOverride.count(),
  audit: await s.db.auditEvent.count({ where: { action: "item.delegate" } }),
});

describe("handing items to a colleague", () => {
  test("the colleague takes my place on those items, decides them, is told so; the audit log names both", async () => {
    const handed = mine.slice(0, 2).map((i) => i.id);
    const r = await delegateItems(s.ctx, me, {
      campaignId,
      itemIds: handed,
      toUpn: colleague.upn.toUpperCase(), // sign-in names are case-insensitive
      reason: "On leave until the review ends",
    });
    expect(r).toEqual({ delegated: 2, to: { id: colleague.id, name: colleague.name } });
    expect((await itemsOf(campaignId, colleague.id)).map((i) => i.id)).toEqual(handed);
    expect((await itemsOf(campaignId, me.id)).map((i) => i.id)).not.toContain(handed[0]);
    expect(await myInbox(s.ctx, colleague.id)).toContainEqual(expect.objectContaining({ campaignId, total: 2 }));
    const notice = await s.db.notification.findFirstOrThrow({
      where: { recipientId: colleague.id, kind: "delegated" },
    });
    expect(notice.body).toContain("On leave until the review ends");
    // I can no longer decide them; the colleague can.
    await expect(decide(s.ctx, me, { campaignId, itemIds: [handed[0]!], decision: "approve" })).rejects.toThrow(
      /not yours to review/,
    );
    const who: Actor = { id: colleague.id, name: colleague.name, role: "reviewer" };
    expect(await decide(s.ctx, who, { campaignId, itemIds: handed, decision: "approve" })).toMatchObject({
      decided: 2,
    });
    const events = await s.db.auditEvent.findMany({ where: { action: "item.delegate" }, orderBy: { seq: "asc" } });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ actorId: me.id, actorName: me.name, targetId: handed[0] });
    expect(JSON.parse(events[0]!.after!)).toMatchObject({ reviewerId: colleague.id, reviewerName: colleague.name });
    expect(JSON.parse(events[0]!.context!)).toMatchObject({ reason: "On leave until the review ends", campaignId });
  });

  test("refused, with nothing changed: others' items, decided items, myself, unknown or disabled people, their own access", async () => {
    const before = await counts();
    const other = (await s.db.campaignItem.findMany({ where: { campaignId }, select: { id: true } }))
      .map((i) => i.id)
      .find((id) => !mine.some((m) => m.id === id))!;
    const disabled = s.emu.tenant.users.find((u) => !u.accountEnabled && u.userType === "Member")!;
    const victim = mine[3]!;
    const principal = s.emu.tenant.users.find((u) => u.id === victim.principalId);
    const attempts: [Parameters<typeof delegateItems>[2], RegExp][] = [
      [{ campaignId, itemIds: [other], toUpn: colleague.upn, reason: "steal" }, /not yours to review/],
      [{ campaignId, itemIds: [mine[0]!.id], toUpn: colleague.upn, reason: "again" }, /not yours to review/], // handed already
      [
        { campaignId, itemIds: [victim.id], toUpn: "reviewer@contoso.onmicrosoft.com", reason: "to myself" },
        /other than yourself/,
      ],
      [
        { campaignId, itemIds: [victim.id], toUpn: "nobody@contoso.onmicrosoft.com", reason: "x y z" },
        /not a user of this tenant/,
      ],
      [{ campaignId, itemIds: [victim.id], toUpn: disabled.userPrincipalName, reason: "x y z" }, /disabled/],
      [{ campaignId, itemIds: [victim.id], toUpn: colleague.upn, reason: "" }, /Say why/],
    ];
    if (principal?.accountEnabled)
      attempts.push([
        { campaignId, itemIds: [victim.id], toUpn: principal.userPrincipalName, reason: "their own" },
        /would review their own access/,
      ]);
    for (const [input, why] of attempts) await expect(delegateItems(s.ctx, me, input)).rejects.toThrow(why);
    // An item I decided already cannot be handed over.
    await decide(s.ctx, me, { campaignId, itemIds: [mine[2]!.id], decision: "approve" });
    await expect(
      delegateItems(s.ctx, me, { campaignId, itemIds: [mine[2]!.id], toUpn: colleague.upn, reason: "decided" }),
    ).rejects.toThrow(/already decided/);
    expect(await counts()).toEqual(before);
  });

  test("a campaign that turned delegation off refuses it; so does a closed one", async () => {
    const off = await campaign(false);
    const [first] = await itemsOf(off, me.id);
    await expect(
      delegateItems(s.ctx, me, { campaignId: off, itemIds: [first!.id], toUpn: colleague.upn, reason: "on leave" }),
    ).rejects.toThrow(/does not allow reviewers to hand/);
    await closeCampaign(s.ctx, ADMIN, off);
    await expect(
      delegateItems(s.ctx, me, { campaignId: off, itemIds: [], toUpn: colleague.upn, reason: "on leave" }),
    ).rejects.toThrow(/Only an active campaign/);
  });

  test("all at once: every undecided item of mine goes, decided ones stay", async () => {
    const open = (await itemsOf(campaignId, me.id)).length;
    const r = await delegateItems(s.ctx, me, {
      campaignId,
      itemIds: [],
      toUpn: colleague.upn,
      reason: "Leaving the team",
    });
    expect(r.delegated).toBe(open - 1); // mine[2] was decided above
    expect((await itemsOf(campaignId, me.id)).map((i) => i.id)).toEqual([mine[2]!.id]);
  });
});
