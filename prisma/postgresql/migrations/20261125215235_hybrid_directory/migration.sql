-- AlterTable
ALTER TABLE "DirUser" ADD COLUMN     "onPremisesDomainName" TEXT,
ADD COLUMN     "onPremisesSamAccountName" TEXT,
ADD COLUMN     "onPremisesSecurityIdentifier" TEXT,
ADD COLUMN     "onPremisesSyncEnabled" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "DirGroup" ADD COLUMN     "onPremisesDomainName" TEXT,
ADD COLUMN     "onPremisesSamAccountName" TEXT,
ADD COLUMN     "onPremisesSecurityIdentifier" TEXT;

-- AlterTable
ALTER TABLE "SyncStageUser" ADD COLUMN     "onPremisesDomainName" TEXT,
ADD COLUMN     "onPremisesSamAccountName" TEXT,
ADD COLUMN     "onPremisesSecurityIdentifier" TEXT,
ADD COLUMN     "onPremisesSyncEnabled" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "SyncStageGroup" ADD COLUMN     "onPremisesDomainName" TEXT,
ADD COLUMN     "onPremisesSamAccountName" TEXT,
ADD COLUMN     "onPremisesSecurityIdentifier" TEXT;


-- The users and groups delta links were made with a $select that lacks the on-premises properties, and a delta
-- link keeps its $select: forget them, so the next sync reads both in full and fills the new columns.
DELETE FROM "SyncCursor" WHERE "resource" IN ('users', 'groups');
