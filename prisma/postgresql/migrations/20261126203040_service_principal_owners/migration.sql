-- Owners of service principals (#19): who reviews an app's own access. The staging twin is UNLOGGED like the others
-- (20261126111500_unlogged_staging).
-- CreateTable
CREATE TABLE "DirServicePrincipalOwner" (
    "servicePrincipalId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    CONSTRAINT "DirServicePrincipalOwner_pkey" PRIMARY KEY ("servicePrincipalId","ownerId")
);

-- CreateTable
CREATE UNLOGGED TABLE "SyncStageServicePrincipalOwner" (
    "runId" TEXT NOT NULL,
    "servicePrincipalId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    CONSTRAINT "SyncStageServicePrincipalOwner_pkey" PRIMARY KEY ("runId","servicePrincipalId","ownerId")
);

-- CreateIndex
CREATE INDEX "DirServicePrincipalOwner_ownerId_idx" ON "DirServicePrincipalOwner"("ownerId");

