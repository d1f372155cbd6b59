/**
 * One pass of campaign housekeeping, run by `npm run scheduler` (cron) and after every sync:
 * start scheduled drafts, advance stages, close at the end date (and auto-apply), remind reviewers
 * before their due date and daily while overdue, escalate overdue items to the fallback reviewers,
 * and create the next instance of recurring campaigns. Idempotent: running it twice does nothing more.
 */
import type { GraphClient } from "@/lib/graph";
import { applyCampaign } from "./apply";
import { materializeItemReviewers } from "./assignments";
import { UserError } from "@/lib/errors";
import {
  advanceStage,
  closeCampaign,
  createNextInstance,
  notifyReviewers,
  parseConfig,
  startCampaign,
  type Actor,
  type Ctx,
} from "./lifecycle";
import { dueDate } from "./queries";

export interface MaintenanceReport {
  started: string[];
  notStarted: { campaignId: string; reason: string }[];
  advanced: string[];
  closed: string[];
  applied: { campaignId: string; applied: number; failed: number }[];
  reminders: number;
  escalated: number;
  created: string[];
}

const SYSTEM: Actor = { id: "system", name: "Recert scheduler", role: "system" };
const DAY = 86_400_000;

export async function runCampaignMaintenance(
  ctx: Ctx,
  graph: (() => GraphClient) | null,
  o: { approvalThreshold?: number; protectedUpns?: readonly string[] } = {},
): Promise<MaintenanceReport> {
  const now = ctx.now();
  const report: MaintenanceReport = {
    started: [],
    notStarted: [],
    advanced: [],
    closed: [],
    applied: [],
    reminders: 0,
    escalated: 0,
    created: [],
  };
  const db = ctx.db;

  for (const d of await db.campaignDefinition.findMany({
    where: { tenantId: ctx.tenantId, deletedAt: null, recurrence: { not: "one_off" } },
    select: { id: true },
  })) {
    const id = await createNextInstance(ctx, d.id);
    if (id) report.created.push(id);
  }
  // Only drafts the scheduler made (sequence > 1) start on their own; a first instance waits for its admin.
  for (const c of await db.campaign.findMany({
    where: { tenantId: ctx.tenantId, status: "draft", sequence: { gt: 1 }, startAt: { lte: now } },
  })) {
    try {
      await startCampaign(ctx, SYSTEM, c.id);
      report.started.push(c.id);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      report.notStarted.push({ campaignId: c.id, reason: e.message });
    }
  }
  for (const c of await db.campaign.findMany({ where: { tenantId: ctx.tenantId, status: "active" } })) {
    const config = parseConfig(c.config);
    if (now >= c.endAt) {
      await closeCampaign(ctx, SYSTEM, c.id, "End date reached");
      report.closed.push(c.id);
      continue;
    }
    if (c.stage < c.stageCount && c.stageEndsAt && now >= c.stageEndsAt) {
      const r = await advanceStage(ctx, SYSTEM, c.id);
      if (r.closed) report.closed.push(c.id);
      else report.advanced.push(c.id);
      continue;
    }
    const due = dueDate(c);
    const remindFrom = new Date(due.getTime() - config.reminderDaysBefore * DAY);
    const remindedToday = c.lastReminderAt && now.getTime() - c.lastReminderAt.getTime() < DAY - 60_000;
    if (now >= remindFrom && !remindedToday) {
      const overdue = now > due;
      // Escalation first, outside the notice transaction (it can touch a million items; it is idempotent: a fallback
      // reviewer already on an item is not added twice), so decisions never wait on it.
      let escalated = 0;
      if (overdue) {
        // Escalate: the stage's fallback reviewers (else the creator) join every undecided item once.
        const stage = config.stages[c.stage - 1]!;
        const def = await db.campaignDefinition.findUnique({
          where: { id: c.definitionId },
          select: { createdById: true },
        });
        const fallback = stage.fallbackIds.length ? stage.fallbackIds : def ? [def.createdById] : [];
        for (const reviewerId of fallback) {
          const undecided = await db.campaignItem.findMany({
            where: { campaignId: c.id, stage: c.stage, decision: null, principalId: { not: reviewerId } },
            select: { id: true },
          });
          const have = new Set(
            (
              await db.campaignItemReviewer.findMany({
                where: { campaignId: c.id, stage: c.stage, reviewerId },
                select: { itemId: true },
              })
            ).map((r) => r.itemId),
          );
          const add = undecided
            .filter((i) => !have.has(i.id))
            .map((i) => ({ campaignId: c.id, itemId: i.id, stage: c.stage, reviewerId, relation: "fallback" }));
          // The fallback reviewer joins the item's reviewers: give the items their own copy first, then add.
          await materializeItemReviewers(
            db,
            c.stage,
            add.map((a) => a.itemId),
          );
          for (let i = 0; i < add.length; i += 1000)
            await db.campaignItemReviewerOverride.createMany({ data: add.slice(i, i + 1000) });
          escalated += add.length;
        }
      }
      // Then the day's claim and its notices, in one short transaction: lastReminderAt compared and set (a second
      // scheduler finds the day taken; a campaign closed or advanced meanwhile is left alone), and the notices (the
      // outbox's record, lib/notify) commit with it or not at all.
      const reminded = await db.$transaction(
        async (tx) => {
          const claimed = await tx.campaign.updateMany({
            where: { id: c.id, status: "active", stage: c.stage, lastReminderAt: c.lastReminderAt },
            data: { lastReminderAt: now },
          });
          if (claimed.count === 0) return 0;
          const txCtx = { ...ctx, db: tx as unknown as typeof db };
          if (!overdue) return notifyReviewers(txCtx, c.id, c.stage, "reminder");
          let n = await notifyReviewers(txCtx, c.id, c.stage, "overdue");
          if (escalated) n += await notifyReviewers(txCtx, c.id, c.stage, "escalation", "fallback");
          return n;
        },
        { timeout: 60_000, maxWait: 30_000 },
      );
      report.escalated += escalated;
      report.reminders += reminded;
    }
  }
  // Auto-apply closed campaigns whose definition asks for it.
  if (graph) {
    for (const c of await db.campaign.findMany({ where: { tenantId: ctx.tenantId, status: "closed" } })) {
      if (!parseConfig(c.config).autoApply) continue;
      const r = await applyCampaign(ctx, SYSTEM, c.id, graph(), {
        approvalThreshold: o.approvalThreshold,
        ...(o.protectedUpns ? { protectedUpns: o.protectedUpns } : {}),
      });
      report.applied.push({ campaignId: c.id, applied: r.applied + r.alreadyRemoved, failed: r.failed });
    }
  }
  return report;
}
