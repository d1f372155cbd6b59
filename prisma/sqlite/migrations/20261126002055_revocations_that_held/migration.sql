-- AlterTable
ALTER TABLE "CampaignItem" ADD COLUMN "returnedAt" DATETIME;
ALTER TABLE "CampaignItem" ADD COLUMN "returnedRunId" TEXT;

-- AlterTable
ALTER TABLE "AccessExpiryResult" ADD COLUMN "returnedAt" DATETIME;

