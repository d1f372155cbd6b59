-- PIM for Groups (#19): eligible and active membership or ownership of governed groups. The staging twin is WITHOUT
-- ROWID like the others (20261126120500_staging_without_rowid).
-- CreateTable
CREATE TABLE "DirGroupSchedule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "accessId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "memberType" TEXT,
    "assignmentType" TEXT,
    "startAt" DATETIME,
    "endAt" DATETIME
);

-- CreateTable
CREATE TABLE "SyncStageGroupSchedule" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "accessId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "memberType" TEXT,
    "assignmentType" TEXT,
    "startAt" DATETIME,
    "endAt" DATETIME,

    PRIMARY KEY ("runId", "id")
) WITHOUT ROWID;

-- CreateIndex
CREATE INDEX "DirGroupSchedule_groupId_idx" ON "DirGroupSchedule"("groupId");

-- CreateIndex
CREATE INDEX "DirGroupSchedule_principalId_idx" ON "DirGroupSchedule"("principalId");

-- CreateIndex
CREATE INDEX "DirGroupSchedule_tenantId_idx" ON "DirGroupSchedule"("tenantId");

