/**
 * What runs after every finished sync (Sync now, `npm run sync`): access expiry and campaign housekeeping
 * see the fresh directory at once, and the dashboard's per-sync figures are computed before anyone asks.
 */
import type { Ctx } from "../db/context";
import type { GraphClient } from "../graph";
import { overview } from "../dashboards/overview";
import { flagReturnedExpiries, runExpiries } from "../guests/expiry";
import { reconcileWithDirectory } from "../reviews/apply";
import { runCampaignMaintenance } from "../reviews/maintenance";
import { runDeniedGuests } from "../reviews/denied-guests";
import { freezePending } from "../reports/freeze";

export async function afterSync(
  ctx: Ctx,
  graph: () => GraphClient,
  o: { approvalThreshold?: number; protectedUpns?: readonly string[] } = {},
): Promise<{ expired: number; failed: number }> {
  // Campaign items are checked against the fresh directory (changes flagged, Exchange removals confirmed) first.
  await reconcileWithDirectory(ctx);
  const campaigns = await runCampaignMaintenance(ctx, graph, o);
  const expiries = await runExpiries(ctx, graph);
  const denied = await runDeniedGuests(ctx, graph, o.protectedUpns ? { protectedUpns: o.protectedUpns } : {});
  const run = await ctx.db.syncRun.findFirst({
    where: { tenantId: ctx.tenantId, status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    select: { id: true },
  });
  if (run) await flagReturnedExpiries(ctx, run.id);
  await freezePending(ctx); // campaigns the housekeeping closed or applied: their reports, made once

  await overview(ctx);
  return {
    expired: expiries.executed.length,
    failed:
      expiries.executed.reduce((n, x) => n + x.failed, 0) +
      campaigns.applied.reduce((n, a) => n + a.failed, 0) +
      denied.failed,
  };
}
