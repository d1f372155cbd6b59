-- AlterTable
ALTER TABLE "CampaignItem" ADD COLUMN     "revokeVia" TEXT;

