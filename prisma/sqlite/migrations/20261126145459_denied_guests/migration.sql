-- Denied guests (#19): blocked after a review revoked all their access, deleted at deleteAt unless restored.
-- CreateTable
CREATE TABLE "DeniedGuest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "userName" TEXT,
    "campaignId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "blockedAt" DATETIME,
    "deleteAt" DATETIME NOT NULL,
    "warnedAt" DATETIME,
    "deletedAt" DATETIME,
    "restoredAt" DATETIME,
    "restoredBy" TEXT,
    "error" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "DeniedGuest_tenantId_status_deleteAt_idx" ON "DeniedGuest"("tenantId", "status", "deleteAt");

-- CreateIndex
CREATE INDEX "DeniedGuest_userId_idx" ON "DeniedGuest"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "DeniedGuest_campaignId_userId_key" ON "DeniedGuest"("campaignId", "userId");

