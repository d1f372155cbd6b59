import "server-only";
import type { Ctx } from "@/lib/db/context";
import { type Actor, type ApplySummary, applyWithAppGraph, closeAndMaybeApply } from "@/lib/reviews";
import { freezeAfter } from "./freeze";

/** An admin's Close, then the reports frozen as evidence (./freeze.ts). The close stands if freezing fails. */
export async function closeAndFreeze(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
  reason?: string,
): Promise<Awaited<ReturnType<typeof closeAndMaybeApply>>> {
  const r = await closeAndMaybeApply(ctx, actor, campaignId, reason);
  await freezeAfter(ctx, campaignId);
  return r;
}

/** An admin's Apply; once the campaign is applied, its applied-stage reports are frozen too. */
export async function applyAndFreeze(ctx: Ctx, actor: Actor, campaignId: string): Promise<ApplySummary> {
  const r = await applyWithAppGraph(ctx, actor, campaignId);
  if (r.status === "applied") await freezeAfter(ctx, campaignId);
  return r;
}
