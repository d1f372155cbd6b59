-- Owners of app registrations (#19): with the service principal's owners, they review the access an app holds. The
-- staging twin is WITHOUT ROWID like the others (20261126120500_staging_without_rowid). The tenant index on
-- DirServicePrincipalOwner serves the sync's counts and cleanup (they filter by tenant).
-- CreateTable
CREATE TABLE "DirApplicationOwner" (
    "applicationId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    PRIMARY KEY ("applicationId", "ownerId")
);

-- CreateTable
CREATE TABLE "SyncStageApplicationOwner" (
    "runId" TEXT NOT NULL,
    "applicationId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    PRIMARY KEY ("runId", "applicationId", "ownerId")
) WITHOUT ROWID;

-- CreateIndex
CREATE INDEX "DirApplicationOwner_tenantId_appId_idx" ON "DirApplicationOwner"("tenantId", "appId");

-- CreateIndex
CREATE INDEX "DirApplicationOwner_ownerId_idx" ON "DirApplicationOwner"("ownerId");

-- CreateIndex
CREATE INDEX "DirServicePrincipalOwner_tenantId_idx" ON "DirServicePrincipalOwner"("tenantId");

