-- Staging rows are disposable (#20): a run that does not finish is discarded, and the next run clears them. UNLOGGED
-- tables skip the write-ahead log (a full sync stages 1.4M rows before it writes them to the live tables); after a crash
-- PostgreSQL empties them, which is what a crashed run's staging rows deserve. Not replicated to standbys: a sync
-- that fails over fails and is run again.
ALTER TABLE "SyncStageUser" SET UNLOGGED;
ALTER TABLE "SyncStageSponsor" SET UNLOGGED;
ALTER TABLE "SyncStageGroup" SET UNLOGGED;
ALTER TABLE "SyncStageGroupMember" SET UNLOGGED;
ALTER TABLE "SyncStageGroupOwner" SET UNLOGGED;
ALTER TABLE "SyncStageRoleDefinition" SET UNLOGGED;
ALTER TABLE "SyncStageRoleAssignment" SET UNLOGGED;
ALTER TABLE "SyncStageServicePrincipal" SET UNLOGGED;
ALTER TABLE "SyncStageAppRoleAssignment" SET UNLOGGED;
ALTER TABLE "SyncStageMfaRegistration" SET UNLOGGED;
ALTER TABLE "SyncStageCaPolicy" SET UNLOGGED;
ALTER TABLE "SyncStageOrganization" SET UNLOGGED;
ALTER TABLE "SyncStageUserActivity" SET UNLOGGED;
ALTER TABLE "SyncStageUserManager" SET UNLOGGED;
ALTER TABLE "SyncStageRemoved" SET UNLOGGED;
ALTER TABLE "SyncStageMemberDelta" SET UNLOGGED;
