/**
 * Writes to reviewer assignments. Reads go through the CampaignItemReviewer view (see prisma/models.prisma):
 * an item's own rows in a stage when it has any, else its resource's. Before changing one item's reviewers,
 * its resource's rows are copied onto it, so the change touches that item alone.
 */
import { dialectOf, type SqlRunner } from "@/lib/db/sql";

const CHUNK = 5_000;

/** Gives each listed item its own copy of its resource's reviewers in the stage (items that already have their own are left alone). */
export async function materializeItemReviewers(db: SqlRunner, stage: number, itemIds: string[]): Promise<void> {
  const { engine } = dialectOf(db);
  const ids = [...new Set(itemIds)];
  // PostgreSQL: a text[] parameter, not IN (SELECT json_array_elements_text(…)), which the planner may run as a nested-loop
  // semi join (see the New filter in ./queries.ts).
  const cond = engine === "sqlite" ? `i."id" IN (SELECT value FROM json_each(?))` : `i."id" = ANY($2::text[])`;
  const [s1, s3] = engine === "sqlite" ? ["?", "?"] : ["$1", "$3"];
  const sql = `INSERT INTO "CampaignItemReviewerOverride" ("campaignId", "itemId", "stage", "reviewerId", "relation")
    SELECT r."campaignId", i."id", r."stage", r."reviewerId", r."relation"
    FROM "CampaignItem" i JOIN "CampaignResourceReviewer" r ON r."campaignId" = i."campaignId" AND r."resourceId" = i."resourceId" AND i."ordinal" BETWEEN r."firstOrdinal" AND r."lastOrdinal" AND r."stage" = ${s1}
    WHERE ${cond} AND NOT EXISTS (SELECT 1 FROM "CampaignItemReviewerOverride" x WHERE x."itemId" = i."id" AND x."stage" = ${s3})`;
  for (let i = 0; i < ids.length; i += CHUNK)
    await db.$executeRawUnsafe(
      sql,
      stage,
      engine === "sqlite" ? JSON.stringify(ids.slice(i, i + CHUNK)) : ids.slice(i, i + CHUNK),
      stage,
    );
}
