import "server-only";
import type { Ctx } from "@/lib/db";
import { UserError } from "@/lib/errors";
import { env } from "@/lib/env";
import { applyCampaign, type ApplySummary } from "./apply";
import { appGraph } from "./app-graph";
import { closeCampaign, parseConfig, type Actor } from "./lifecycle";

/**
 * An admin's Close: fixes every outcome, then applies the revocations at once when the campaign says so.
 * The close stands even when Graph cannot be reached (the apply error is returned; Apply can run again).
 */
export async function closeAndMaybeApply(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
  reason?: string,
): Promise<{ counts: Record<string, number>; applied?: ApplySummary; applyError?: string }> {
  const { counts } = await closeCampaign(ctx, actor, campaignId, reason);
  const c = await ctx.db.campaign.findUniqueOrThrow({ where: { id: campaignId }, select: { config: true } });
  if (!parseConfig(c.config).autoApply) return { counts };
  try {
    return {
      counts,
      applied: await applyCampaign(ctx, actor, campaignId, await appGraph(), {
        approvalThreshold: env().RECERT_APPROVAL_THRESHOLD,
        protectedUpns: env().RECERT_PROTECTED_UPNS,
      }),
    };
  } catch (e) {
    if (e instanceof UserError) return { counts, applyError: e.message };
    throw e;
  }
}

/** An admin's Apply, through the write connection. */
export async function applyWithAppGraph(ctx: Ctx, actor: Actor, campaignId: string): Promise<ApplySummary> {
  return applyCampaign(ctx, actor, campaignId, await appGraph(), {
    approvalThreshold: env().RECERT_APPROVAL_THRESHOLD,
    protectedUpns: env().RECERT_PROTECTED_UPNS,
  });
}
