-- AlterTable
ALTER TABLE "CampaignItem" ADD COLUMN     "returnedAt" TIMESTAMP(3),
ADD COLUMN     "returnedRunId" TEXT;

-- AlterTable
ALTER TABLE "AccessExpiryResult" ADD COLUMN     "returnedAt" TIMESTAMP(3);

