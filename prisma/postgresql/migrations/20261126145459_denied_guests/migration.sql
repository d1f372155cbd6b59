-- Denied guests (#19): blocked after a review revoked all their access, deleted at deleteAt unless restored.
-- CreateTable
CREATE TABLE "DeniedGuest" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "userName" TEXT,
    "campaignId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "blockedAt" TIMESTAMP(3),
    "deleteAt" TIMESTAMP(3) NOT NULL,
    "warnedAt" TIMESTAMP(3),
    "deletedAt" TIMESTAMP(3),
    "restoredAt" TIMESTAMP(3),
    "restoredBy" TEXT,
    "error" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeniedGuest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DeniedGuest_tenantId_status_deleteAt_idx" ON "DeniedGuest"("tenantId", "status", "deleteAt");

-- CreateIndex
CREATE INDEX "DeniedGuest_userId_idx" ON "DeniedGuest"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "DeniedGuest_campaignId_userId_key" ON "DeniedGuest"("campaignId", "userId");

