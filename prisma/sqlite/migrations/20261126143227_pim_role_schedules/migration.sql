-- PIM (#19): role eligibilities and active assignment schedules. The staging twin is WITHOUT ROWID like the others
-- (20261126120500_staging_without_rowid).
-- CreateTable
CREATE TABLE "DirRoleSchedule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "roleDefinitionId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "directoryScopeId" TEXT,
    "appScopeId" TEXT,
    "memberType" TEXT,
    "assignmentType" TEXT,
    "startAt" DATETIME,
    "endAt" DATETIME
);

-- CreateTable
CREATE TABLE "SyncStageRoleSchedule" (
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
    "startAt" DATETIME,
    "endAt" DATETIME,

    PRIMARY KEY ("runId", "id")
) WITHOUT ROWID;

-- CreateIndex
CREATE INDEX "DirRoleSchedule_principalId_idx" ON "DirRoleSchedule"("principalId");

-- CreateIndex
CREATE INDEX "DirRoleSchedule_roleDefinitionId_idx" ON "DirRoleSchedule"("roleDefinitionId");

-- CreateIndex
CREATE INDEX "DirRoleSchedule_tenantId_idx" ON "DirRoleSchedule"("tenantId");

