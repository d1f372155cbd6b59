/**
 * Multi-stage campaigns and the other scopes against the emulator: an app-assignment campaign in two
 * stages (fallback reviewers, then a chosen reviewer who sees the first stage's decisions), a directory-role
 * campaign, and apply removing an app role assignment in Entra.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runSync } from "@/lib/sync/run-sync";
import { setup } from "@/tests/support/emulator-fixture";
import {
  advanceStage,
  applyCampaign,
  closeCampaign,
  createCampaign,
  decide,
  quarterlyPreset,
  reviewPage,
  startCampaign,
  ZReviewQuery,
  type Actor,
  type Ctx,
} from "./index";

let s: Awaited<ReturnType<typeof setup>>;
let ctx: Ctx;
const ADMIN: Actor = { id: "6f1c3a9e-3333-4333-8333-333333333333", name: "Ada Admin", role: "admin" };
const graph = () => s.writeClient();

beforeAll(async () => {
  s = await setup();
  ctx = s.ctx;
  await runSync({ db: s.db, graph: s.graph(), tenantId: s.tenantId, databaseUrl: s.database.url, trigger: "manual" });
});
afterAll(async () => {
  await s?.close();
});

describe("two stages over enterprise-app assignments", () => {
  test("stage 1 by the fallback reviewer, approved items go on to a chosen reviewer who sees stage 1; revoked ones are removed in Entra", async () => {
    const t = s.emu.tenant;
    const chosen = t.users.find((u) => u.userPrincipalName === "auditor@contoso.onmicrosoft.com")!;
    const preset = quarterlyPreset(new Date());
    preset.config.scope = { kind: "apps", groupIds: [] };
    preset.config.stages = [
      { reviewers: "owners", chosenIds: [], fallbackIds: [], durationDays: 7, advance: ["approve"] },
      { reviewers: "chosen", chosenIds: [chosen.id], fallbackIds: [], durationDays: 7, advance: [] },
    ];
    preset.config.justification = { onApprove: false, onRevoke: false };
    preset.config.autoApply = false;
    const { campaignId } = await createCampaign(ctx, ADMIN, preset);
    const { itemCount } = await startCampaign(ctx, ADMIN, campaignId);
    // Every assignment, of people, groups and apps (an app's own, #19).
    const assignments = t.appRoleAssignments.filter((a) => t.spById.has(a.resourceId));
    expect(assignments.some((a) => a.principalType === "ServicePrincipal")).toBe(true);
    const frozen = (await s.db.campaignItem.findMany({ where: { campaignId }, select: { accessId: true } })).map(
      (i) => i.accessId,
    );
    expect(itemCount).toBe(frozen.length);
    expect([...new Set(frozen)].sort()).toEqual([...new Set(assignments.map((a) => a.id))].sort());
    // Apps have no owners we review through: every stage-1 item of a person or group goes to the fallback (the
    // creator); an app's own access goes to the app's owners (./app-principals.test.ts).
    const peoples = await s.db.campaignItem.findMany({
      where: { campaignId, principalType: { in: ["user", "group"] } },
      select: { id: true },
    });
    const stage1 = await s.db.campaignItemReviewer.findMany({
      where: { campaignId, stage: 1, itemId: { in: peoples.map((i) => i.id) } },
    });
    expect(stage1.length).toBeGreaterThan(0);
    expect(new Set(stage1.map((r) => `${r.reviewerId}/${r.relation}`))).toEqual(new Set([`${ADMIN.id}/fallback`]));
    const items = await s.db.campaignItem.findMany({
      where: { campaignId, principalType: "user" },
      orderBy: { ordinal: "asc" },
    });
    const [revoked, ...approved] = items;
    await decide(ctx, ADMIN, { campaignId, itemIds: [revoked!.id], decision: "revoke" });
    await decide(ctx, ADMIN, { campaignId, itemIds: approved.map((i) => i.id), decision: "approve" });

    const r = await advanceStage(ctx, ADMIN, campaignId);
    expect(r).toEqual({ advanced: approved.length, closed: false });
    const me: Actor = { id: chosen.id, name: chosen.displayName, role: "reviewer" };
    const page = (await reviewPage(ctx, campaignId, me.id, ZReviewQuery.parse({})))!;
    // Nobody reviews their own access: the auditor's own app role goes to the fallback reviewer instead.
    const own = approved.filter((i) => i.principalId === chosen.id);
    expect(page.total).toBe(approved.length - own.length);
    for (const i of own)
      expect(
        await s.db.campaignItemReviewer.findMany({
          where: { itemId: i.id, stage: 2 },
          select: { reviewerId: true, relation: true },
        }),
      ).toEqual([{ reviewerId: ADMIN.id, relation: "fallback" }]);
    expect(page.rows[0]!.earlier).toEqual([{ stage: 1, decision: "approve", by: ADMIN.name, justification: null }]);
    expect(page.rows[0]!.relation).toBe("chosen");
    // The stage-1 reviewer can no longer decide items that moved on.
    const other = approved.find((i) => i.principalId !== chosen.id)!;
    await expect(decide(ctx, ADMIN, { campaignId, itemIds: [other.id], decision: "revoke" })).rejects.toThrow(
      /not yours to review/,
    );
    await decide(ctx, me, { campaignId, itemIds: [other.id], decision: "revoke" });

    await closeCampaign(ctx, ADMIN, campaignId);
    const outcomes = await s.db.campaignItem.findMany({
      where: { campaignId, outcome: "revoke" },
      orderBy: { ordinal: "asc" },
    });
    expect(outcomes.map((o) => o.id).sort()).toEqual([revoked!.id, other.id].sort());
    const summary = await applyCampaign(ctx, ADMIN, campaignId, graph());
    expect(summary).toMatchObject({ applied: 2, failed: 0, status: "applied" });
    for (const o of outcomes) expect(t.appRoleAssignments.some((a) => a.id === o.accessId)).toBe(false);
  });
});

describe("directory role assignments", () => {
  test("one item per user or group assignment, reviewed by managers (fallback where none)", async () => {
    const t = s.emu.tenant;
    const preset = quarterlyPreset(new Date());
    preset.config.scope = { kind: "directoryRoles", groupIds: [] };
    preset.config.stages = [
      { reviewers: "managers", chosenIds: [], fallbackIds: [], durationDays: 7, advance: ["approve"] },
    ];
    const { campaignId } = await createCampaign(ctx, ADMIN, preset);
    const { itemCount } = await startCampaign(ctx, ADMIN, campaignId);
    // Active assignments and PIM eligibilities (#19), of users, groups and apps.
    const held = (a: { principalId: string }) =>
      t.userById.has(a.principalId) || t.groupById.has(a.principalId) || t.spById.has(a.principalId);
    expect(t.roleAssignments.some((a) => t.spById.has(a.principalId))).toBe(true);
    expect(itemCount).toBe(t.roleAssignments.filter(held).length + t.roleEligibilities.filter(held).length);
    const withManager = t.roleAssignments.find((a) => t.userById.get(a.principalId)?.managerId)!;
    const item = await s.db.campaignItem.findFirstOrThrow({ where: { campaignId, accessId: withManager.id } });
    expect(item.resourceType).toBe("directoryRole");
    const reviewers = await s.db.campaignItemReviewer.findMany({ where: { itemId: item.id } });
    expect(reviewers).toEqual([
      expect.objectContaining({ reviewerId: t.userById.get(withManager.principalId)!.managerId, relation: "manager" }),
    ]);
  });
});
