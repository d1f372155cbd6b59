-- CreateTable
CREATE TABLE "SyncRun" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "durationMs" INTEGER,
    "error" TEXT,
    "manifest" TEXT NOT NULL DEFAULT '{}',
    "progress" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "SyncRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncCursor" (
    "tenantId" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "deltaLink" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncCursor_pkey" PRIMARY KEY ("tenantId","resource")
);

-- CreateTable
CREATE TABLE "SyncLock" (
    "tenantId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "acquiredAt" TIMESTAMP(3) NOT NULL,
    "heartbeatAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncLock_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "SyncSnapshot" (
    "runId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL,
    "users" INTEGER NOT NULL,
    "guests" INTEGER NOT NULL,
    "disabledUsers" INTEGER NOT NULL,
    "groups" INTEGER NOT NULL,
    "memberships" INTEGER NOT NULL,
    "roleAssignments" INTEGER NOT NULL,
    "servicePrincipals" INTEGER NOT NULL,
    "appRoleAssignments" INTEGER NOT NULL,
    "mfaRegistered" INTEGER NOT NULL,
    "caPolicies" INTEGER NOT NULL,
    "counts" TEXT NOT NULL,

    CONSTRAINT "SyncSnapshot_pkey" PRIMARY KEY ("runId")
);

-- CreateTable
CREATE TABLE "DirUser" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "displayName" TEXT,
    "userPrincipalName" TEXT,
    "mail" TEXT,
    "givenName" TEXT,
    "surname" TEXT,
    "userType" TEXT,
    "accountEnabled" BOOLEAN NOT NULL,
    "externalUserState" TEXT,
    "externalUserStateChangeAt" TIMESTAMP(3),
    "creationType" TEXT,
    "companyName" TEXT,
    "employeeType" TEXT,
    "department" TEXT,
    "jobTitle" TEXT,
    "officeLocation" TEXT,
    "createdAt" TIMESTAMP(3),
    "lastSignInAt" TIMESTAMP(3),
    "lastNonInteractiveSignInAt" TIMESTAMP(3),
    "lastSuccessfulSignInAt" TIMESTAMP(3),
    "managerId" TEXT,

    CONSTRAINT "DirUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirSponsor" (
    "userId" TEXT NOT NULL,
    "sponsorId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "sponsorType" TEXT NOT NULL,

    CONSTRAINT "DirSponsor_pkey" PRIMARY KEY ("userId","sponsorId")
);

-- CreateTable
CREATE TABLE "DirGroup" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "displayName" TEXT,
    "description" TEXT,
    "mail" TEXT,
    "mailNickname" TEXT,
    "kind" TEXT NOT NULL,
    "groupTypes" TEXT NOT NULL,
    "securityEnabled" BOOLEAN NOT NULL,
    "mailEnabled" BOOLEAN NOT NULL,
    "isAssignableToRole" BOOLEAN NOT NULL,
    "isDynamic" BOOLEAN NOT NULL,
    "membershipRule" TEXT,
    "membershipRuleProcessingState" TEXT,
    "visibility" TEXT,
    "onPremisesSyncEnabled" BOOLEAN NOT NULL,
    "createdAt" TIMESTAMP(3),

    CONSTRAINT "DirGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirGroupMember" (
    "groupId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "memberType" TEXT NOT NULL,

    CONSTRAINT "DirGroupMember_pkey" PRIMARY KEY ("groupId","memberId")
);

-- CreateTable
CREATE TABLE "DirGroupOwner" (
    "groupId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    CONSTRAINT "DirGroupOwner_pkey" PRIMARY KEY ("groupId","ownerId")
);

-- CreateTable
CREATE TABLE "DirRoleDefinition" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "displayName" TEXT,
    "description" TEXT,
    "templateId" TEXT,
    "isBuiltIn" BOOLEAN NOT NULL,
    "isEnabled" BOOLEAN NOT NULL,
    "rolePermissions" TEXT NOT NULL,

    CONSTRAINT "DirRoleDefinition_pkey" PRIMARY KEY ("tenantId","id")
);

-- CreateTable
CREATE TABLE "DirRoleAssignment" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "roleDefinitionId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "directoryScopeId" TEXT,
    "appScopeId" TEXT,

    CONSTRAINT "DirRoleAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirServicePrincipal" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "appId" TEXT,
    "displayName" TEXT,
    "accountEnabled" BOOLEAN NOT NULL,
    "appRoleAssignmentRequired" BOOLEAN NOT NULL,
    "servicePrincipalType" TEXT,
    "tags" TEXT NOT NULL,
    "appRoles" TEXT NOT NULL,

    CONSTRAINT "DirServicePrincipal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirAppRoleAssignment" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "appRoleId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "principalDisplayName" TEXT,
    "resourceDisplayName" TEXT,
    "createdAt" TIMESTAMP(3),

    CONSTRAINT "DirAppRoleAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirMfaRegistration" (
    "userId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "userPrincipalName" TEXT,
    "userType" TEXT,
    "isAdmin" BOOLEAN NOT NULL,
    "isMfaRegistered" BOOLEAN NOT NULL,
    "isMfaCapable" BOOLEAN NOT NULL,
    "isPasswordlessCapable" BOOLEAN NOT NULL,
    "isSsprRegistered" BOOLEAN NOT NULL,
    "isSsprEnabled" BOOLEAN NOT NULL,
    "isSsprCapable" BOOLEAN NOT NULL,
    "isSystemPreferredMethodEnabled" BOOLEAN NOT NULL,
    "methodsRegistered" TEXT NOT NULL,
    "systemPreferredMethods" TEXT NOT NULL,
    "userPreferredMethod" TEXT,
    "lastUpdatedAt" TIMESTAMP(3),

    CONSTRAINT "DirMfaRegistration_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "DirCaPolicy" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "displayName" TEXT,
    "state" TEXT,
    "createdAt" TIMESTAMP(3),
    "modifiedAt" TIMESTAMP(3),
    "requiresMfa" BOOLEAN NOT NULL,
    "blocks" BOOLEAN NOT NULL,
    "targeting" TEXT NOT NULL,
    "raw" TEXT NOT NULL,

    CONSTRAINT "DirCaPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirOrganization" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "displayName" TEXT,
    "defaultDomain" TEXT,
    "verifiedDomains" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3),
    "raw" TEXT NOT NULL,

    CONSTRAINT "DirOrganization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncStageUser" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "displayName" TEXT,
    "userPrincipalName" TEXT,
    "mail" TEXT,
    "givenName" TEXT,
    "surname" TEXT,
    "userType" TEXT,
    "accountEnabled" BOOLEAN NOT NULL,
    "externalUserState" TEXT,
    "externalUserStateChangeAt" TIMESTAMP(3),
    "creationType" TEXT,
    "companyName" TEXT,
    "employeeType" TEXT,
    "department" TEXT,
    "jobTitle" TEXT,
    "officeLocation" TEXT,
    "createdAt" TIMESTAMP(3),

    CONSTRAINT "SyncStageUser_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageSponsor" (
    "runId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "sponsorId" TEXT NOT NULL,
    "sponsorType" TEXT NOT NULL,

    CONSTRAINT "SyncStageSponsor_pkey" PRIMARY KEY ("runId","userId","sponsorId")
);

-- CreateTable
CREATE TABLE "SyncStageGroup" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "displayName" TEXT,
    "description" TEXT,
    "mail" TEXT,
    "mailNickname" TEXT,
    "kind" TEXT NOT NULL,
    "groupTypes" TEXT NOT NULL,
    "securityEnabled" BOOLEAN NOT NULL,
    "mailEnabled" BOOLEAN NOT NULL,
    "isAssignableToRole" BOOLEAN NOT NULL,
    "isDynamic" BOOLEAN NOT NULL,
    "membershipRule" TEXT,
    "membershipRuleProcessingState" TEXT,
    "visibility" TEXT,
    "onPremisesSyncEnabled" BOOLEAN NOT NULL,
    "createdAt" TIMESTAMP(3),

    CONSTRAINT "SyncStageGroup_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageGroupMember" (
    "runId" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "memberType" TEXT NOT NULL,

    CONSTRAINT "SyncStageGroupMember_pkey" PRIMARY KEY ("runId","groupId","memberId")
);

-- CreateTable
CREATE TABLE "SyncStageGroupOwner" (
    "runId" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,

    CONSTRAINT "SyncStageGroupOwner_pkey" PRIMARY KEY ("runId","groupId","ownerId")
);

-- CreateTable
CREATE TABLE "SyncStageRoleDefinition" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "displayName" TEXT,
    "description" TEXT,
    "templateId" TEXT,
    "isBuiltIn" BOOLEAN NOT NULL,
    "isEnabled" BOOLEAN NOT NULL,
    "rolePermissions" TEXT NOT NULL,

    CONSTRAINT "SyncStageRoleDefinition_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageRoleAssignment" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "roleDefinitionId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "directoryScopeId" TEXT,
    "appScopeId" TEXT,

    CONSTRAINT "SyncStageRoleAssignment_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageServicePrincipal" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "appId" TEXT,
    "displayName" TEXT,
    "accountEnabled" BOOLEAN NOT NULL,
    "appRoleAssignmentRequired" BOOLEAN NOT NULL,
    "servicePrincipalType" TEXT,
    "tags" TEXT NOT NULL,
    "appRoles" TEXT NOT NULL,

    CONSTRAINT "SyncStageServicePrincipal_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageAppRoleAssignment" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "appRoleId" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "principalDisplayName" TEXT,
    "resourceDisplayName" TEXT,
    "createdAt" TIMESTAMP(3),

    CONSTRAINT "SyncStageAppRoleAssignment_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageMfaRegistration" (
    "runId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "userPrincipalName" TEXT,
    "userType" TEXT,
    "isAdmin" BOOLEAN NOT NULL,
    "isMfaRegistered" BOOLEAN NOT NULL,
    "isMfaCapable" BOOLEAN NOT NULL,
    "isPasswordlessCapable" BOOLEAN NOT NULL,
    "isSsprRegistered" BOOLEAN NOT NULL,
    "isSsprEnabled" BOOLEAN NOT NULL,
    "isSsprCapable" BOOLEAN NOT NULL,
    "isSystemPreferredMethodEnabled" BOOLEAN NOT NULL,
    "methodsRegistered" TEXT NOT NULL,
    "systemPreferredMethods" TEXT NOT NULL,
    "userPreferredMethod" TEXT,
    "lastUpdatedAt" TIMESTAMP(3),

    CONSTRAINT "SyncStageMfaRegistration_pkey" PRIMARY KEY ("runId","userId")
);

-- CreateTable
CREATE TABLE "SyncStageCaPolicy" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "displayName" TEXT,
    "state" TEXT,
    "createdAt" TIMESTAMP(3),
    "modifiedAt" TIMESTAMP(3),
    "requiresMfa" BOOLEAN NOT NULL,
    "blocks" BOOLEAN NOT NULL,
    "targeting" TEXT NOT NULL,
    "raw" TEXT NOT NULL,

    CONSTRAINT "SyncStageCaPolicy_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageOrganization" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "displayName" TEXT,
    "defaultDomain" TEXT,
    "verifiedDomains" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3),
    "raw" TEXT NOT NULL,

    CONSTRAINT "SyncStageOrganization_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageUserActivity" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "lastSignInAt" TIMESTAMP(3),
    "lastNonInteractiveSignInAt" TIMESTAMP(3),
    "lastSuccessfulSignInAt" TIMESTAMP(3),

    CONSTRAINT "SyncStageUserActivity_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageUserManager" (
    "runId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "managerId" TEXT,

    CONSTRAINT "SyncStageUserManager_pkey" PRIMARY KEY ("runId","id")
);

-- CreateTable
CREATE TABLE "SyncStageRemoved" (
    "runId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "id" TEXT NOT NULL,

    CONSTRAINT "SyncStageRemoved_pkey" PRIMARY KEY ("runId","kind","id")
);

-- CreateTable
CREATE TABLE "SyncStageMemberDelta" (
    "runId" TEXT NOT NULL,
    "relation" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "memberType" TEXT NOT NULL,
    "removed" BOOLEAN NOT NULL,

    CONSTRAINT "SyncStageMemberDelta_pkey" PRIMARY KEY ("runId","relation","groupId","memberId")
);

-- CreateIndex
CREATE INDEX "SyncRun_tenantId_startedAt_idx" ON "SyncRun"("tenantId", "startedAt");

-- CreateIndex
CREATE INDEX "SyncSnapshot_tenantId_takenAt_idx" ON "SyncSnapshot"("tenantId", "takenAt");

-- CreateIndex
CREATE INDEX "DirUser_tenantId_userType_idx" ON "DirUser"("tenantId", "userType");

-- CreateIndex
CREATE INDEX "DirUser_tenantId_accountEnabled_idx" ON "DirUser"("tenantId", "accountEnabled");

-- CreateIndex
CREATE INDEX "DirUser_managerId_idx" ON "DirUser"("managerId");

-- CreateIndex
CREATE INDEX "DirUser_userPrincipalName_idx" ON "DirUser"("userPrincipalName");

-- CreateIndex
CREATE INDEX "DirSponsor_sponsorId_idx" ON "DirSponsor"("sponsorId");

-- CreateIndex
CREATE INDEX "DirGroup_tenantId_kind_idx" ON "DirGroup"("tenantId", "kind");

-- CreateIndex
CREATE INDEX "DirGroupMember_memberId_idx" ON "DirGroupMember"("memberId");

-- CreateIndex
CREATE INDEX "DirGroupMember_tenantId_idx" ON "DirGroupMember"("tenantId");

-- CreateIndex
CREATE INDEX "DirGroupOwner_ownerId_idx" ON "DirGroupOwner"("ownerId");

-- CreateIndex
CREATE INDEX "DirRoleAssignment_principalId_idx" ON "DirRoleAssignment"("principalId");

-- CreateIndex
CREATE INDEX "DirRoleAssignment_roleDefinitionId_idx" ON "DirRoleAssignment"("roleDefinitionId");

-- CreateIndex
CREATE INDEX "DirServicePrincipal_appId_idx" ON "DirServicePrincipal"("appId");

-- CreateIndex
CREATE INDEX "DirAppRoleAssignment_principalId_idx" ON "DirAppRoleAssignment"("principalId");

-- CreateIndex
CREATE INDEX "DirAppRoleAssignment_resourceId_idx" ON "DirAppRoleAssignment"("resourceId");

