-- AlterTable
ALTER TABLE "DirGroup" ADD COLUMN "onPremisesDomainName" TEXT;
ALTER TABLE "DirGroup" ADD COLUMN "onPremisesSamAccountName" TEXT;
ALTER TABLE "DirGroup" ADD COLUMN "onPremisesSecurityIdentifier" TEXT;

-- AlterTable
ALTER TABLE "SyncStageGroup" ADD COLUMN "onPremisesDomainName" TEXT;
ALTER TABLE "SyncStageGroup" ADD COLUMN "onPremisesSamAccountName" TEXT;
ALTER TABLE "SyncStageGroup" ADD COLUMN "onPremisesSecurityIdentifier" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_DirUser" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "displayName" TEXT,
    "userPrincipalName" TEXT,
    "mail" TEXT,
    "givenName" TEXT,
    "surname" TEXT,
    "userType" TEXT,
    "accountEnabled" BOOLEAN NOT NULL,
    "externalUserState" TEXT,
    "externalUserStateChangeAt" DATETIME,
    "creationType" TEXT,
    "companyName" TEXT,
    "employeeType" TEXT,
    "department" TEXT,
    "jobTitle" TEXT,
    "officeLocation" TEXT,
    "onPremisesSyncEnabled" BOOLEAN NOT NULL DEFAULT false,
    "onPremisesSecurityIdentifier" TEXT,
    "onPremisesSamAccountName" TEXT,
    "onPremisesDomainName" TEXT,
    "createdAt" DATETIME,
    "lastSignInAt" DATETIME,
    "lastNonInteractiveSignInAt" DATETIME,
    "lastSuccessfulSignInAt" DATETIME,
    "managerId" TEXT
);
INSERT INTO "new_DirUser" ("accountEnabled", "companyName", "createdAt", "creationType", "department", "displayName", "employeeType", "externalUserState", "externalUserStateChangeAt", "givenName", "id", "jobTitle", "lastNonInteractiveSignInAt", "lastSignInAt", "lastSuccessfulSignInAt", "mail", "managerId", "officeLocation", "surname", "tenantId", "userPrincipalName", "userType") SELECT "accountEnabled", "companyName", "createdAt", "creationType", "department", "displayName", "employeeType", "externalUserState", "externalUserStateChangeAt", "givenName", "id", "jobTitle", "lastNonInteractiveSignInAt", "lastSignInAt", "lastSuccessfulSignInAt", "mail", "managerId", "officeLocation", "surname", "tenantId", "userPrincipalName", "userType" FROM "DirUser";
DROP TABLE "DirUser";
ALTER TABLE "new_DirUser" RENAME TO "DirUser";
CREATE INDEX "DirUser_tenantId_userType_idx" ON "DirUser"("tenantId", "userType");
CREATE INDEX "DirUser_tenantId_accountEnabled_idx" ON "DirUser"("tenantId", "accountEnabled");
CREATE INDEX "DirUser_managerId_idx" ON "DirUser"("managerId");
CREATE INDEX "DirUser_userPrincipalName_idx" ON "DirUser"("userPrincipalName");
CREATE TABLE "new_SyncStageUser" (
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
    "externalUserStateChangeAt" DATETIME,
    "creationType" TEXT,
    "companyName" TEXT,
    "employeeType" TEXT,
    "department" TEXT,
    "jobTitle" TEXT,
    "officeLocation" TEXT,
    "onPremisesSyncEnabled" BOOLEAN NOT NULL DEFAULT false,
    "onPremisesSecurityIdentifier" TEXT,
    "onPremisesSamAccountName" TEXT,
    "onPremisesDomainName" TEXT,
    "createdAt" DATETIME,

    PRIMARY KEY ("runId", "id")
);
INSERT INTO "new_SyncStageUser" ("accountEnabled", "companyName", "createdAt", "creationType", "department", "displayName", "employeeType", "externalUserState", "externalUserStateChangeAt", "givenName", "id", "jobTitle", "mail", "officeLocation", "runId", "surname", "userPrincipalName", "userType") SELECT "accountEnabled", "companyName", "createdAt", "creationType", "department", "displayName", "employeeType", "externalUserState", "externalUserStateChangeAt", "givenName", "id", "jobTitle", "mail", "officeLocation", "runId", "surname", "userPrincipalName", "userType" FROM "SyncStageUser";
DROP TABLE "SyncStageUser";
ALTER TABLE "new_SyncStageUser" RENAME TO "SyncStageUser";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;


-- The users and groups delta links were made with a $select that lacks the on-premises properties, and a delta
-- link keeps its $select: forget them, so the next sync reads both in full and fills the new columns.
DELETE FROM "SyncCursor" WHERE "resource" IN ('users', 'groups');
