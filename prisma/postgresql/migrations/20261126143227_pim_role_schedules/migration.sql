-- PIM (#19): role eligibilities and active assignment schedules. The staging twin is UNLOGGED like the others
-- (20261126111500_unlogged_staging).
-- CreateTable
CREATE TABLE "DirRoleSchedule" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "roleDefinitionId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "directoryScopeId" TEXT,
    "appScopeId" TEXT,
    "memberType" TEXT,
    "assignmentType" TEXT,
    "startAt" TIMESTAMP(3),
    "endAt" TIMESTAMP(3),

    CONSTRAINT "DirRoleSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE UNLOGGED TABLE "SyncStageRoleSchedule" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "roleDefinitionId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "directoryScopeId" TEXT,
    "appScopeId" TEXT,
    "memberType" TEXT,
    "assignmentType" TEXT,
    "startAt" TIMESTAMP(3),
    "endAt" TIMESTAMP(3),

    CONSTRAINT "SyncStageRoleSchedule_pkey" PRIMARY KEY ("runId","id")
);

-- CreateIndex
CREATE INDEX "DirRoleSchedule_principalId_idx" ON "DirRoleSchedule"("principalId");

-- CreateIndex
CREATE INDEX "DirRoleSchedule_roleDefinitionId_idx" ON "DirRoleSchedule"("roleDefinitionId");

-- CreateIndex
CREATE INDEX "DirRoleSchedule_tenantId_idx" ON "DirRoleSchedule"("tenantId");

