/**
 * A demo that opens on work (#18, item 9). After the first sync, `npm run demo` seeds, once:
 *   - "Partner access review (demo, last quarter)": reviewer@ has decided every item (two guests revoked, with a
 *     reason), admin@ has closed it and applied the revocations to the emulator through the write app, and its signed
 *     evidence (PDF, CSV, JSON, manifests, evidence package) is frozen: what auditor@ downloads and verifies;
 *   - the quarterly access review, active: every group owner, reviewer@ among them, has items due in 14 days.
 * Everything goes through the same lib functions the app's buttons call (audited, as the app would), never raw rows.
 * A database that already holds a campaign is left alone (the demo can be restarted without piling up campaigns).
 */
import type { GraphClient } from "../../lib/graph";
import type { Ctx } from "../../lib/db/context";
import { freezeAfter } from "../../lib/reports/freeze";
import {
  applyCampaign,
  closeCampaign,
  createCampaign,
  decide,
  dueDate,
  quarterlyPreset,
  startCampaign,
  type Actor,
} from "../../lib/reviews";

const DOMAIN = "contoso.onmicrosoft.com";
export const DEMO_CLOSED_NAME = "Partner access review (demo, last quarter)";

export interface DemoSeed {
  skipped: boolean;
  closed?: { id: string; items: number; revoked: number; applied: number };
  /** dueAt: the date the inbox and every notice show (lib/reviews/definition.ts dueDate). */
  active?: { id: string; items: number; reviewerItems: number; endAt: string; dueAt: string };
}

async function person(ctx: Ctx, upn: string, role: Actor["role"]): Promise<Actor> {
  const u = await ctx.db.dirUser.findFirst({
    where: { tenantId: ctx.tenantId, userPrincipalName: upn },
    select: { id: true, displayName: true },
  });
  if (!u) throw new Error(`The demo tenant has no ${upn}: sync it first.`);
  return { id: u.id, name: u.displayName ?? upn, role };
}

export async function seedDemo(ctx: Ctx, writeGraph: () => GraphClient): Promise<DemoSeed> {
  if ((await ctx.db.campaign.count({ where: { tenantId: ctx.tenantId } })) > 0) return { skipped: true };
  const admin = await person(ctx, `admin@${DOMAIN}`, "admin");
  const reviewer = await person(ctx, `reviewer@${DOMAIN}`, "reviewer");
  const now = ctx.now();

  // 1. Last quarter's partner review: decided, closed, applied, its evidence frozen.
  const partner = await ctx.db.dirGroup.findFirst({
    where: { tenantId: ctx.tenantId, displayName: "Partner Collaboration" },
    select: { id: true },
  });
  if (!partner) throw new Error("The demo tenant has no Partner Collaboration group.");
  const past = quarterlyPreset(now);
  past.name = DEMO_CLOSED_NAME;
  past.description = "Seeded by npm run demo: decided, closed and applied, so auditors have signed evidence to check.";
  past.config.scope = { kind: "groups", groupIds: [partner.id] };
  past.config.recurrence = "one_off";
  const { campaignId: closedId } = await createCampaign(ctx, admin, past);
  const { itemCount: closedItems } = await startCampaign(ctx, admin, closedId);
  const mine = await ctx.db.campaignItemReviewer.findMany({
    where: { campaignId: closedId, reviewerId: reviewer.id },
    select: { itemId: true },
  });
  const items = await ctx.db.campaignItem.findMany({
    where: { id: { in: mine.map((m) => m.itemId) } },
    select: { id: true, principalKind: true },
    orderBy: { ordinal: "asc" },
  });
  const revoke = items.filter((i) => i.principalKind === "guest").slice(0, 2);
  const approve = items.filter((i) => !revoke.includes(i));
  if (revoke.length)
    await decide(ctx, reviewer, {
      campaignId: closedId,
      itemIds: revoke.map((i) => i.id),
      decision: "revoke",
      justification: "The partner programme ended; no longer needed.",
    });
  if (approve.length)
    await decide(ctx, reviewer, { campaignId: closedId, itemIds: approve.map((i) => i.id), decision: "approve" });
  await closeCampaign(ctx, admin, closedId, "Demo: every item decided");
  const applied = await applyCampaign(ctx, admin, closedId, writeGraph(), { approvalThreshold: 50 });
  await freezeAfter(ctx, closedId);
  // Last quarter's notices to reviewers are history: only its close and apply summaries are news to the admin.
  await ctx.db.notification.updateMany({
    where: { campaignId: closedId, kind: { notIn: ["closed", "applied"] }, composedAt: null },
    data: { composedAt: now },
  });

  // 2. This quarter's review, open: every group owner has items due.
  const current = quarterlyPreset(now);
  const { campaignId: activeId } = await createCampaign(ctx, admin, current);
  const { itemCount } = await startCampaign(ctx, admin, activeId);
  const reviewerItems = await ctx.db.campaignItemReviewer.count({
    where: { campaignId: activeId, reviewerId: reviewer.id },
  });
  const c = await ctx.db.campaign.findUniqueOrThrow({
    where: { id: activeId },
    select: { endAt: true, stageEndsAt: true, startAt: true },
  });
  return {
    skipped: false,
    closed: { id: closedId, items: closedItems, revoked: revoke.length, applied: applied.applied },
    active: {
      id: activeId,
      items: itemCount,
      reviewerItems,
      endAt: c.endAt.toISOString(),
      dueAt: dueDate(c).toISOString(),
    },
  };
}
