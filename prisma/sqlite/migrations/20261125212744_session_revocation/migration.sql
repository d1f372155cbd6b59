-- AlterTable
ALTER TABLE "Principal" ADD COLUMN "sessionsRevokedAt" DATETIME;

