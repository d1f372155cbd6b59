-- Owners of service principals (#19): who reviews an app's own access. The staging twin is WITHOUT ROWID like the
-- others (20261126120500_staging_without_rowid).
-- CreateTable
CREATE TABLE "DirServicePrincipalOwner" (
    "servicePrincipalId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    PRIMARY KEY ("servicePrincipalId", "ownerId")
);

-- CreateTable
CREATE TABLE "SyncStageServicePrincipalOwner" (
    "runId" TEXT NOT NULL,
    "servicePrincipalId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    PRIMARY KEY ("runId", "servicePrincipalId", "ownerId")
) WITHOUT ROWID;

-- CreateIndex
CREATE INDEX "DirServicePrincipalOwner_ownerId_idx" ON "DirServicePrincipalOwner"("ownerId");

