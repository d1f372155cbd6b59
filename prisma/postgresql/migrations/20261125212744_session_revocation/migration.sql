-- AlterTable
ALTER TABLE "Principal" ADD COLUMN     "sessionsRevokedAt" TIMESTAMP(3);

