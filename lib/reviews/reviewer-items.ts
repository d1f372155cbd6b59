import type { Ctx } from "@/lib/db/context";
import { inIds } from "@/lib/db/sql";

/**
 * One reviewer's items, each in its current stage: the derived table `i` with every CampaignItem column and the
 * reviewer's `relation` to it. The CampaignItemReviewer view says the same, but joining it back to CampaignItem for a
 * large reviewer was slow on PostgreSQL. `EXPLAIN (ANALYZE, BUFFERS)` of the page's count for the 83,360-item reviewer
 * of `npm run bench -- review --users 110000`:
 *
 * - **Through the view (628 ms).** The view's resource branch joins items to their resource's reviewer rows on
 *   `resourceId` as well as on the ordinal range. The planner priced that as a hash join and read all 1,073,807 items
 *   with a parallel sequential scan. It then fetched the same 83,360 items again by primary key for the outer join,
 *   and JIT compilation took another 100 ms.
 * - **Here (128 ms).** The ordinal range is the only join condition. It is exact: freeze writes each resource's items as
 *   one consecutive range, and the view's resourceId condition is always true. The range lookup can then only be a
 *   nested loop of index range scans on (campaignId, ordinal): 858 ranges, 97 items each. Each item is read once.
 *   - The planner still guesses 114,118 rows per range, its default for a range with unknown bounds, where the true
 *     figure is 97. So the app's connections turn JIT off (lib/db/client.ts): JIT is meant for long analytical
 *     queries, and this misestimate would otherwise trigger it on every page.
 *
 * - A plain join still left the order to the planner's estimates. Right after the next campaign started, it guessed
 *   33 of the reviewer's 500 ranges, put the campaign's 48,971 items outside and tested every range against each:
 *   24 million comparisons, 2.1 s. On PostgreSQL each range is therefore a LATERAL subquery behind OFFSET 0, which
 *   the planner cannot turn round; on SQLite, CROSS JOIN fixes the order the same way.
 * - The stage test is written `ci.stage - rr.stage = 0`, an expression of both sides, so it can be neither an index
 *   condition nor a hash or merge key, and the ordinal range stays the only way in. Written `ci.stage = rr.stage`,
 *   without statistics for new rows PostgreSQL took the (campaignId, stage, decision) index and filtered the range,
 *   which read the whole campaign once per range (minutes). Written `ci.stage + 0 = rr.stage`, it became a merge key:
 *   a sort of the campaign's million items joined on stage, 22 s. Now 235 ms for the sorted page; the start also
 *   analyses the new rows (lib/reviews/lifecycle.ts).
 *
 * SQLite takes the same SQL. It pushes the outer WHERE into both UNION ALL branches, and its planner uses the same
 * indexes.
 *
 * `p` records a value and returns its placeholder (`parameters()` of lib/db/sql), in the order of the text.
 */
/** At most this many override rows are handed to the statement as a set; above it the database looks them up. */
const SMALL_OVERRIDES = 5_000;

export async function reviewerItemsFrom(
  ctx: Ctx,
  p: (v: unknown) => string,
  campaignId: string,
  reviewerId: string,
  o: { stage?: number } = {},
): Promise<string> {
  const pg = ctx.dialect.engine === "postgresql";
  // The campaign's own reviewer rows (overrides) mark items whose resource reviewers do not apply in that stage. Usually
  // few (owners' own memberships, reassignments): then they go in as a set per stage, one hash probe per item. Checked
  // row by row instead, PostgreSQL compared every item with every override (a 33-row table is cheaper to scan than to
  // index, by its costs): 2.75 million comparisons, 260 ms for the 83,360-item reviewer.
  const overrides = await ctx.db.campaignItemReviewerOverride.findMany({
    where: { campaignId, ...(o.stage === undefined ? {} : { stage: o.stage }) },
    select: { itemId: true, stage: true },
    take: SMALL_OVERRIDES + 1,
  });
  const byStage = new Map<number, string[]>();
  for (const x of overrides) byStage.set(x.stage, [...(byStage.get(x.stage) ?? []), x.itemId]);
  // Placeholders are taken in the order they appear in the text (SQLite's are positional).
  const s = (t: string) => (o.stage === undefined ? "" : ` AND ${t}."stage" = ${Number(o.stage)}`);
  const notOverridden = (c: string) =>
    overrides.length > SMALL_OVERRIDES
      ? `NOT EXISTS (SELECT 1 FROM "CampaignItemReviewerOverride" x WHERE x."itemId" = ${c}."id" AND x."stage" = rr."stage")`
      : [...byStage]
          .map(([stage, list]) => `NOT (${c}."stage" = ${stage} AND ${inIds(ctx.dialect, p, `${c}."id"`, list)})`)
          .join(" AND ") || "1 = 1";
  const own = `SELECT ci.*, o."relation" FROM "CampaignItemReviewerOverride" o JOIN "CampaignItem" ci ON ci."id" = o."itemId" AND ci."stage" = o."stage" WHERE o."reviewerId" = ${p(reviewerId)} AND o."campaignId" = ${p(campaignId)}${s("o")}`;
  // PostgreSQL: a LATERAL subquery per range, kept from being flattened into a join by OFFSET 0 (an optimisation fence),
  // so each range is one index range scan whatever the planner estimates. SQLite: its CROSS JOIN keeps the ranges
  // outside.
  const ranges = pg
    ? `SELECT ci.*, rr."relation" FROM "CampaignResourceReviewer" rr CROSS JOIN LATERAL (SELECT * FROM "CampaignItem" c WHERE c."campaignId" = rr."campaignId" AND c."ordinal" BETWEEN rr."firstOrdinal" AND rr."lastOrdinal" AND c."stage" - rr."stage" = 0 OFFSET 0) ci
  WHERE rr."reviewerId" = ${p(reviewerId)} AND rr."campaignId" = ${p(campaignId)}${s("rr")} AND ${notOverridden("ci")}`
    : `SELECT ci.*, rr."relation" FROM "CampaignResourceReviewer" rr CROSS JOIN "CampaignItem" ci ON ci."campaignId" = rr."campaignId" AND ci."ordinal" BETWEEN rr."firstOrdinal" AND rr."lastOrdinal" AND ci."stage" - rr."stage" = 0
  WHERE rr."reviewerId" = ${p(reviewerId)} AND rr."campaignId" = ${p(campaignId)}${s("rr")} AND ${notOverridden("ci")}`;
  return `(${own}
  UNION ALL
  ${ranges}) i`;
}
