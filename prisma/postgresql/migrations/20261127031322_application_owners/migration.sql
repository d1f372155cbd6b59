-- Owners of app registrations (#19): with the service principal's owners, they review the access an app holds. The
-- staging twin is UNLOGGED like the others (20261126111500_unlogged_staging). The tenant index on
-- DirServicePrincipalOwner serves the sync's counts and cleanup (they filter by tenant).
-- CreateTable
CREATE TABLE "DirApplicationOwner" (
    "applicationId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    CONSTRAINT "DirApplicationOwner_pkey" PRIMARY KEY ("applicationId","ownerId")
);

-- CreateTable
CREATE UNLOGGED TABLE "SyncStageApplicationOwner" (
    "runId" TEXT NOT NULL,
    "applicationId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    CONSTRAINT "SyncStageApplicationOwner_pkey" PRIMARY KEY ("runId","applicationId","ownerId")
);

-- CreateIndex
CREATE INDEX "DirApplicationOwner_tenantId_appId_idx" ON "DirApplicationOwner"("tenantId", "appId");

-- CreateIndex
CREATE INDEX "DirApplicationOwner_ownerId_idx" ON "DirApplicationOwner"("ownerId");

-- CreateIndex
CREATE INDEX "DirServicePrincipalOwner_tenantId_idx" ON "DirServicePrincipalOwner"("tenantId");

