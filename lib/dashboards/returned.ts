import type { Ctx } from "@/lib/db/context";

/** Revocations that did not hold (#17): campaign removals and expiry removals a later sync saw back. */
export async function returnedRevocations(ctx: Ctx): Promise<{ campaigns: number; expiries: number }> {
  const campaignIds = (
    await ctx.db.campaign.findMany({
      where: { tenantId: ctx.tenantId, status: { in: ["closed", "applied"] } },
      select: { id: true },
    })
  ).map((c) => c.id);
  const [campaigns, expiries] = await Promise.all([
    ctx.db.campaignItem.count({ where: { campaignId: { in: campaignIds }, returnedAt: { not: null } } }),
    ctx.db.accessExpiryResult.count({
      where: {
        returnedAt: { not: null },
        expiryId: {
          in: (await ctx.db.accessExpiry.findMany({ where: { tenantId: ctx.tenantId }, select: { id: true } })).map(
            (e) => e.id,
          ),
        },
      },
    }),
  ]);
  return { campaigns, expiries };
}
