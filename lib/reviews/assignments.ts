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
  const list = engine === "sqlite" ? `(SELECT value FROM json_each(?))` : `(SELECT json_array_elements_text($2::json))`;
  const [s1, s3] = engine === "sqlite" ? ["?", "?"] : ["$1", "$3"];
  const sql = `INSERT INTO "CampaignItemReviewerOverride" ("campaignId", "itemId", "stage", "reviewerId", "relation")
    SELECT r."campaignId", i."id", r."stage", r."reviewerId", r."relation"
    FROM "CampaignItem" i JOIN "CampaignResourceReviewer" r ON r."campaignId" = i."campaignId" AND r."resourceId" = i."resourceId" AND i."ordinal" BETWEEN r."firstOrdinal" AND r."lastOrdinal" AND r."stage" = ${s1}
    WHERE i."id" IN ${list} AND NOT EXISTS (SELECT 1 FROM "CampaignItemReviewerOverride" x WHERE x."itemId" = i."id" AND x."stage" = ${s3})`;
  for (let i = 0; i < ids.length; i += CHUNK)
    await db.$executeRawUnsafe(sql, stage, JSON.stringify(ids.slice(i, i + CHUNK)), stage);
}
