-- CreateTable
CREATE TABLE "ConnectionSetting" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "secretCipher" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "secretHint" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedById" TEXT,

    CONSTRAINT "ConnectionSetting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignDefinition" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "config" TEXT NOT NULL,
    "recurrence" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "CampaignDefinition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL,
    "definitionId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "startAt" TIMESTAMP(3) NOT NULL,
    "endAt" TIMESTAMP(3) NOT NULL,
    "stage" INTEGER NOT NULL DEFAULT 1,
    "stageCount" INTEGER NOT NULL DEFAULT 1,
    "stageEndsAt" TIMESTAMP(3),
    "syncRunId" TEXT,
    "syncManifest" TEXT,
    "itemCount" INTEGER NOT NULL DEFAULT 0,
    "itemsHash" TEXT,
    "startedAt" TIMESTAMP(3),
    "startedById" TEXT,
    "closedAt" TIMESTAMP(3),
    "closedById" TEXT,
    "closedByName" TEXT,
    "closeReason" TEXT,
    "chainHead" TEXT,
    "appliedAt" TIMESTAMP(3),
    "appliedById" TEXT,
    "lastReminderAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignItem" (
    "id" TEXT NOT NULL,
    "campaignId" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "principalName" TEXT,
    "principalUpn" TEXT,
    "principalKind" TEXT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "resourceName" TEXT,
    "accessId" TEXT NOT NULL,
    "accessDetail" TEXT,
    "lastSignInAt" TIMESTAMP(3),
    "recommendation" TEXT NOT NULL,
    "recommendationReason" TEXT NOT NULL,
    "stage" INTEGER NOT NULL DEFAULT 1,
    "decision" TEXT,
    "decidedById" TEXT,
    "decidedByName" TEXT,
    "decidedAt" TIMESTAMP(3),
    "justification" TEXT,
    "decisionVia" TEXT,
    "bulkSize" INTEGER,
    "fromRecommendation" BOOLEAN NOT NULL DEFAULT false,
    "decisionRelation" TEXT,
    "outcome" TEXT,
    "applyStatus" TEXT,
    "applyError" TEXT,
    "applyAttempts" INTEGER NOT NULL DEFAULT 0,
    "appliedAt" TIMESTAMP(3),
    "goneFromEntra" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "CampaignItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignItemReviewer" (
    "campaignId" TEXT NOT NULL,
    "itemId" TEXT NOT NULL,
    "stage" INTEGER NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "relation" TEXT NOT NULL,

    CONSTRAINT "CampaignItemReviewer_pkey" PRIMARY KEY ("itemId","stage","reviewerId")
);

-- CreateTable
CREATE TABLE "CampaignStageDecision" (
    "itemId" TEXT NOT NULL,
    "stage" INTEGER NOT NULL,
    "campaignId" TEXT NOT NULL,
    "decision" TEXT,
    "decidedById" TEXT,
    "decidedByName" TEXT,
    "decidedAt" TIMESTAMP(3),
    "justification" TEXT,
    "decisionVia" TEXT,
    "relation" TEXT,

    CONSTRAINT "CampaignStageDecision_pkey" PRIMARY KEY ("itemId","stage")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "link" TEXT,
    "campaignId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SanctionedExclusion" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "policyId" TEXT,
    "reason" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "SanctionedExclusion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessExpiry" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "userName" TEXT,
    "companyName" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "blockSignIn" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "warnedAt" TIMESTAMP(3),
    "executedAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "AccessExpiry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessExpiryResult" (
    "id" TEXT NOT NULL,
    "expiryId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "accessId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccessExpiryResult_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CampaignDefinition_tenantId_idx" ON "CampaignDefinition"("tenantId");

-- CreateIndex
CREATE INDEX "Campaign_tenantId_status_idx" ON "Campaign"("tenantId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_definitionId_sequence_key" ON "Campaign"("definitionId", "sequence");

-- CreateIndex
CREATE INDEX "CampaignItem_campaignId_stage_decision_idx" ON "CampaignItem"("campaignId", "stage", "decision");

-- CreateIndex
CREATE INDEX "CampaignItem_campaignId_resourceId_idx" ON "CampaignItem"("campaignId", "resourceId");

-- CreateIndex
CREATE INDEX "CampaignItem_campaignId_applyStatus_idx" ON "CampaignItem"("campaignId", "applyStatus");

-- CreateIndex
CREATE UNIQUE INDEX "CampaignItem_campaignId_ordinal_key" ON "CampaignItem"("campaignId", "ordinal");

-- CreateIndex
CREATE INDEX "CampaignItemReviewer_campaignId_reviewerId_stage_idx" ON "CampaignItemReviewer"("campaignId", "reviewerId", "stage");

-- CreateIndex
CREATE INDEX "CampaignItemReviewer_reviewerId_idx" ON "CampaignItemReviewer"("reviewerId");

-- CreateIndex
CREATE INDEX "CampaignStageDecision_campaignId_stage_idx" ON "CampaignStageDecision"("campaignId", "stage");

-- CreateIndex
CREATE INDEX "Notification_recipientId_createdAt_idx" ON "Notification"("recipientId", "createdAt");

-- CreateIndex
CREATE INDEX "Notification_campaignId_idx" ON "Notification"("campaignId");

-- CreateIndex
CREATE INDEX "SanctionedExclusion_tenantId_userId_idx" ON "SanctionedExclusion"("tenantId", "userId");

-- CreateIndex
CREATE INDEX "AccessExpiry_tenantId_status_expiresAt_idx" ON "AccessExpiry"("tenantId", "status", "expiresAt");

-- CreateIndex
CREATE INDEX "AccessExpiry_userId_idx" ON "AccessExpiry"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "AccessExpiryResult_expiryId_kind_accessId_key" ON "AccessExpiryResult"("expiryId", "kind", "accessId");

