-- CreateTable
CREATE TABLE "CampaignItemReviewerOverride" (
    "campaignId" TEXT NOT NULL,
    "itemId" TEXT NOT NULL,
    "stage" INTEGER NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "relation" TEXT NOT NULL,

    PRIMARY KEY ("itemId", "stage", "reviewerId")
);

-- CreateTable
CREATE TABLE "CampaignResourceReviewer" (
    "campaignId" TEXT NOT NULL,
    "stage" INTEGER NOT NULL,
    "resourceId" TEXT NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "relation" TEXT NOT NULL,

    PRIMARY KEY ("campaignId", "stage", "resourceId", "reviewerId")
);

-- CreateIndex
CREATE INDEX "CampaignItemReviewerOverride_campaignId_reviewerId_stage_idx" ON "CampaignItemReviewerOverride"("campaignId", "reviewerId", "stage");

-- CreateIndex
CREATE INDEX "CampaignItemReviewerOverride_reviewerId_idx" ON "CampaignItemReviewerOverride"("reviewerId");

-- CreateIndex
CREATE INDEX "CampaignResourceReviewer_campaignId_reviewerId_stage_idx" ON "CampaignResourceReviewer"("campaignId", "reviewerId", "stage");

-- CreateIndex
CREATE INDEX "CampaignResourceReviewer_reviewerId_idx" ON "CampaignResourceReviewer"("reviewerId");

-- Existing assignments keep working: every old row becomes an item row.
INSERT INTO "CampaignItemReviewerOverride" ("campaignId", "itemId", "stage", "reviewerId", "relation")
SELECT "campaignId", "itemId", "stage", "reviewerId", "relation" FROM "CampaignItemReviewer";

-- DropTable
DROP TABLE "CampaignItemReviewer";

-- An item's reviewers in a stage: its own rows when it has any, else its resource's (hand-written: Prisma does not manage views).
CREATE VIEW "CampaignItemReviewer" AS
SELECT o."campaignId", o."itemId", o."stage", o."reviewerId", o."relation"
FROM "CampaignItemReviewerOverride" o
UNION ALL
SELECT r."campaignId", i."id" AS "itemId", r."stage", r."reviewerId", r."relation"
FROM "CampaignResourceReviewer" r
JOIN "CampaignItem" i ON i."campaignId" = r."campaignId" AND i."resourceId" = r."resourceId"
WHERE NOT EXISTS (SELECT 1 FROM "CampaignItemReviewerOverride" x WHERE x."itemId" = i."id" AND x."stage" = r."stage");
