/**
 * What an admin does about reviewers who do not answer: remind them, hand their undecided items to
 * someone else, or decide those items on their behalf with a reason (each audited as forced).
 */
import "server-only";
import type { Ctx } from "@/lib/db";
import { enabledUserIdsByUpn } from "./reviewers-by-upn";
import { UserError } from "@/lib/errors";
import type { Decision } from "./decisions";
import { forceDecision } from "./decisions";
import { notifyReviewers, reassignItems, type Actor } from "./lifecycle";

/** A reviewer's undecided items in the campaign's current stage. */
export async function undecidedOf(ctx: Ctx, campaignId: string, reviewerId: string): Promise<string[]> {
  const c = await ctx.db.campaign.findUnique({ where: { id: campaignId }, select: { stage: true, tenantId: true } });
  if (!c || c.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such campaign.");
  const items = await ctx.db.campaignItemReviewer.findMany({
    where: { campaignId, reviewerId, stage: c.stage },
    select: { itemId: true },
  });
  const undecided: string[] = [];
  // In chunks: the driver adapter refuses IN lists of more than about a thousand ids.
  for (let i = 0; i < items.length; i += 500) {
    const part = items.slice(i, i + 500).map((x) => x.itemId);
    undecided.push(
      ...(
        await ctx.db.campaignItem.findMany({
          where: { id: { in: part }, decision: null, stage: c.stage },
          select: { id: true },
        })
      ).map((x) => x.id),
    );
  }
  return undecided;
}

export async function remindReviewers(ctx: Ctx, campaignId: string): Promise<number> {
  const c = await ctx.db.campaign.findUnique({
    where: { id: campaignId },
    select: { stage: true, status: true, tenantId: true },
  });
  if (!c || c.tenantId !== ctx.tenantId || c.status !== "active")
    throw new UserError("conflict", "Only an active campaign's reviewers can be reminded.");
  return notifyReviewers(ctx, campaignId, c.stage, "reminder");
}

export async function reassignReviewer(
  ctx: Ctx,
  actor: Actor,
  input: { campaignId: string; fromReviewerId: string; toUpn: string; mode: "replace" | "add"; reason: string },
): Promise<number> {
  const [to] = await enabledUserIdsByUpn(ctx, [input.toUpn]);
  const undecided = await undecidedOf(ctx, input.campaignId, input.fromReviewerId);
  if (undecided.length === 0) throw new UserError("invalid", "That reviewer has no undecided items.");
  return reassignItems(ctx, actor, input.campaignId, undecided, to!, input.mode, input.reason);
}

/** Escalation: decides a (typically overdue) reviewer's undecided items on their behalf, with a reason. */
export async function signOffReviewer(
  ctx: Ctx,
  actor: Actor,
  input: { campaignId: string; reviewerId: string; decision: Decision; reason: string },
): Promise<number> {
  const ids = await undecidedOf(ctx, input.campaignId, input.reviewerId);
  if (ids.length === 0) throw new UserError("invalid", "That reviewer has no undecided items.");
  let decided = 0;
  for (let i = 0; i < ids.length; i += 5_000)
    decided += await forceDecision(ctx, actor, input.campaignId, ids.slice(i, i + 5_000), input.decision, input.reason);
  return decided;
}
