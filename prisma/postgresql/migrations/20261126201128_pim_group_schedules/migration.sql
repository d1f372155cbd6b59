-- PIM for Groups (#19): eligible and active membership or ownership of governed groups. The staging twin is UNLOGGED
-- like the others (20261126111500_unlogged_staging).
-- CreateTable
CREATE TABLE "DirGroupSchedule" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "accessId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "memberType" TEXT,
    "assignmentType" TEXT,
    "startAt" TIMESTAMP(3),
    "endAt" TIMESTAMP(3),

    CONSTRAINT "DirGroupSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE UNLOGGED TABLE "SyncStageGroupSchedule" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "accessId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "memberType" TEXT,
    "assignmentType" TEXT,
    "startAt" TIMESTAMP(3),
    "endAt" TIMESTAMP(3),

    CONSTRAINT "SyncStageGroupSchedule_pkey" PRIMARY KEY ("runId","id")
);

-- CreateIndex
CREATE INDEX "DirGroupSchedule_groupId_idx" ON "DirGroupSchedule"("groupId");

-- CreateIndex
CREATE INDEX "DirGroupSchedule_principalId_idx" ON "DirGroupSchedule"("principalId");

-- CreateIndex
CREATE INDEX "DirGroupSchedule_tenantId_idx" ON "DirGroupSchedule"("tenantId");

