/**
 * Writes to reviewer assignments. Reads go through the CampaignItemReviewer view (see prisma/models.prisma):
 * an item's own rows in a stage when it has any, else its resource's. Before changing one item's reviewers,
 * its resource's rows are copied onto it, so the change touches that item alone.
 */
import { dialectOf, inIds, parameters, type SqlRunner } from "@/lib/db/sql";

const CHUNK = 5_000;

/** Gives each listed item its own copy of its resource's reviewers in the stage (items that already have their own are left alone). */
export async function materializeItemReviewers(db: SqlRunner, stage: number, itemIds: string[]): Promise<void> {
  const d = dialectOf(db);
  const ids = [...new Set(itemIds)];
  for (let i = 0; i < ids.length; i += CHUNK) {
    // Placeholders are taken in text order (SQLite's are positional). The ids are one text[] parameter on PostgreSQL
    // (inIds): IN (SELECT json_array_elements_text(…)) may run as a nested-loop semi join (the New filter in ./queries.ts).
    const { values, p } = parameters(d);
    const sql = `INSERT INTO "CampaignItemReviewerOverride" ("campaignId", "itemId", "stage", "reviewerId", "relation")
    SELECT r."campaignId", i."id", r."stage", r."reviewerId", r."relation"
    FROM "CampaignItem" i JOIN "CampaignResourceReviewer" r ON r."campaignId" = i."campaignId" AND r."resourceId" = i."resourceId" AND i."ordinal" BETWEEN r."firstOrdinal" AND r."lastOrdinal" AND r."stage" = ${p(stage)}
    WHERE ${inIds(d, p, 'i."id"', ids.slice(i, i + CHUNK))} AND NOT EXISTS (SELECT 1 FROM "CampaignItemReviewerOverride" x WHERE x."itemId" = i."id" AND x."stage" = ${p(stage)})`;
    await db.$executeRawUnsafe(sql, ...values);
  }
}
