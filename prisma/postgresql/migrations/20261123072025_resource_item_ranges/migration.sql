-- Hand-written (Prisma does not manage views or partial indexes).
-- A resource's items are one ordinal range (items are frozen resource by resource): the view finds them through
-- the (campaignId, ordinal) index, so CampaignItem needs no (campaignId, resourceId) index, and starting a
-- million-item campaign writes one index fewer.
DROP VIEW "CampaignItemReviewer";

ALTER TABLE "CampaignResourceReviewer" ADD COLUMN "firstOrdinal" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "CampaignResourceReviewer" ADD COLUMN "lastOrdinal" INTEGER NOT NULL DEFAULT 0;

-- Existing campaigns: each resource's range from its items (while the resource index still exists).
UPDATE "CampaignResourceReviewer" SET
  "firstOrdinal" = COALESCE((SELECT MIN(i."ordinal") FROM "CampaignItem" i WHERE i."campaignId" = "CampaignResourceReviewer"."campaignId" AND i."resourceId" = "CampaignResourceReviewer"."resourceId"), 0),
  "lastOrdinal" = COALESCE((SELECT MAX(i."ordinal") FROM "CampaignItem" i WHERE i."campaignId" = "CampaignResourceReviewer"."campaignId" AND i."resourceId" = "CampaignResourceReviewer"."resourceId"), -1);

DROP INDEX "CampaignItem_campaignId_resourceId_idx";

-- Apply status is NULL until a campaign closes: a partial index, so freezing items adds nothing to it.
DROP INDEX "CampaignItem_campaignId_applyStatus_idx";
CREATE INDEX "CampaignItem_campaignId_applyStatus_partial_idx" ON "CampaignItem"("campaignId", "applyStatus") WHERE "applyStatus" IS NOT NULL;

-- An item's reviewers in a stage: its own rows when it has any, else its resource's. Both join conditions
-- hold for every item; the ordinal range serves "a reviewer's items", the resource id "an item's reviewers".
CREATE VIEW "CampaignItemReviewer" AS
SELECT o."campaignId", o."itemId", o."stage", o."reviewerId", o."relation"
FROM "CampaignItemReviewerOverride" o
UNION ALL
SELECT r."campaignId", i."id" AS "itemId", r."stage", r."reviewerId", r."relation"
FROM "CampaignResourceReviewer" r
JOIN "CampaignItem" i ON i."campaignId" = r."campaignId" AND i."ordinal" BETWEEN r."firstOrdinal" AND r."lastOrdinal" AND i."resourceId" = r."resourceId"
WHERE NOT EXISTS (SELECT 1 FROM "CampaignItemReviewerOverride" x WHERE x."itemId" = i."id" AND x."stage" = r."stage");

-- The schema declares no defaults for the ranges.
ALTER TABLE "CampaignResourceReviewer" ALTER COLUMN "firstOrdinal" DROP DEFAULT, ALTER COLUMN "lastOrdinal" DROP DEFAULT;
