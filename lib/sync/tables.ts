/**
 * The directory tables, described once. The same description drives the staging inserts and the
 * apply SQL, and `tables.test.ts` checks it against the migrated database, so the raw SQL cannot
 * drift from prisma/models.prisma.
 *
 * Every live table `Dir*` has a staging twin `SyncStage*` with the same columns plus `runId`
 * (and no `tenantId`: a run belongs to one tenant). A sync writes staging rows while it fetches and
 * copies them to the live tables in one transaction at the end.
 */
export type ColType = "string" | "int" | "bool" | "datetime" | "json";

export interface Column {
  name: string;
  type: ColType;
  nullable?: boolean;
}

export interface TableSpec {
  /** live table name (= Prisma model name) */
  live: string;
  stage: string;
  /** primary key of the live table (without tenantId unless ids are shared across tenants) */
  key: string[];
  /** non-key columns (without tenantId) */
  columns: Column[];
  /** the live table's key includes tenantId (ids like built-in role ids are the same in every tenant) */
  tenantInKey?: boolean;
}

const s = (name: string, nullable = true): Column => ({ name, type: "string", nullable });
const b = (name: string, nullable = false): Column => ({ name, type: "bool", nullable });
const d = (name: string, nullable = true): Column => ({ name, type: "datetime", nullable });
const j = (name: string, nullable = false): Column => ({ name, type: "json", nullable });

/** Fields of a user that users/delta returns (sign-in activity and manager come from other calls). */
export const USER: TableSpec = {
  live: "DirUser",
  stage: "SyncStageUser",
  key: ["id"],
  columns: [
    s("displayName"),
    s("userPrincipalName"),
    s("mail"),
    s("givenName"),
    s("surname"),
    s("userType"),
    b("accountEnabled"),
    s("externalUserState"),
    d("externalUserStateChangeAt"),
    s("creationType"),
    s("companyName"),
    s("employeeType"),
    s("department"),
    s("jobTitle"),
    s("officeLocation"),
    b("onPremisesSyncEnabled"),
    s("onPremisesSecurityIdentifier"),
    s("onPremisesSamAccountName"),
    s("onPremisesDomainName"),
    d("createdAt"),
  ],
};

/** Columns of DirUser that are refreshed from full reads every run. */
export const USER_ACTIVITY: TableSpec = {
  live: "DirUser",
  stage: "SyncStageUserActivity",
  key: ["id"],
  columns: [d("lastSignInAt"), d("lastNonInteractiveSignInAt"), d("lastSuccessfulSignInAt")],
};

export const USER_MANAGER: TableSpec = {
  live: "DirUser",
  stage: "SyncStageUserManager",
  key: ["id"],
  columns: [s("managerId")],
};

export const SPONSOR: TableSpec = {
  live: "DirSponsor",
  stage: "SyncStageSponsor",
  key: ["userId", "sponsorId"],
  columns: [s("sponsorType", false)],
};

export const GROUP: TableSpec = {
  live: "DirGroup",
  stage: "SyncStageGroup",
  key: ["id"],
  columns: [
    s("displayName"),
    s("description"),
    s("mail"),
    s("mailNickname"),
    s("kind", false),
    j("groupTypes"),
    b("securityEnabled"),
    b("mailEnabled"),
    b("isAssignableToRole"),
    b("isDynamic"),
    s("membershipRule"),
    s("membershipRuleProcessingState"),
    s("visibility"),
    b("onPremisesSyncEnabled"),
    s("onPremisesSecurityIdentifier"),
    s("onPremisesSamAccountName"),
    s("onPremisesDomainName"),
    d("createdAt"),
  ],
};

export const MEMBER: TableSpec = {
  live: "DirGroupMember",
  stage: "SyncStageGroupMember",
  key: ["groupId", "memberId"],
  columns: [s("memberType", false)],
};

export const OWNER: TableSpec = {
  live: "DirGroupOwner",
  stage: "SyncStageGroupOwner",
  key: ["groupId", "ownerId"],
  columns: [s("ownerType", false)],
};

export const ROLE_DEFINITION: TableSpec = {
  live: "DirRoleDefinition",
  stage: "SyncStageRoleDefinition",
  key: ["id"],
  tenantInKey: true,
  columns: [s("displayName"), s("description"), s("templateId"), b("isBuiltIn"), b("isEnabled"), j("rolePermissions")],
};

export const ROLE_ASSIGNMENT: TableSpec = {
  live: "DirRoleAssignment",
  stage: "SyncStageRoleAssignment",
  key: ["id"],
  columns: [
    s("roleDefinitionId", false),
    s("principalId", false),
    s("principalType", false),
    s("directoryScopeId"),
    s("appScopeId"),
  ],
};

/** PIM (#19): eligibilities and active assignment schedules, one table, `kind` eligible | active. */
export const ROLE_SCHEDULE: TableSpec = {
  live: "DirRoleSchedule",
  stage: "SyncStageRoleSchedule",
  key: ["id"],
  columns: [
    s("kind", false),
    s("roleDefinitionId", false),
    s("principalId", false),
    s("principalType", false),
    s("directoryScopeId"),
    s("appScopeId"),
    s("memberType"),
    s("assignmentType"),
    d("startAt"),
    d("endAt"),
  ],
};

/** PIM for Groups (#19): eligible and active membership or ownership of the governed groups asked about. */
export const GROUP_SCHEDULE: TableSpec = {
  live: "DirGroupSchedule",
  stage: "SyncStageGroupSchedule",
  key: ["id"],
  columns: [
    s("kind", false),
    s("groupId", false),
    s("accessId", false),
    s("principalId", false),
    s("principalType", false),
    s("memberType"),
    s("assignmentType"),
    d("startAt"),
    d("endAt"),
  ],
};

/** Owners of service principals (#19). */
export const SP_OWNER: TableSpec = {
  live: "DirServicePrincipalOwner",
  stage: "SyncStageServicePrincipalOwner",
  key: ["servicePrincipalId", "ownerId"],
  columns: [s("ownerType", false)],
};

/**
 * Owners of app registrations (#19), with the registration's appId: the service principal of the same appId is the
 * app whose access they review with its own owners.
 */
export const APP_OWNER: TableSpec = {
  live: "DirApplicationOwner",
  stage: "SyncStageApplicationOwner",
  key: ["applicationId", "ownerId"],
  columns: [s("appId", false), s("ownerType", false)],
};

export const SERVICE_PRINCIPAL: TableSpec = {
  live: "DirServicePrincipal",
  stage: "SyncStageServicePrincipal",
  key: ["id"],
  columns: [
    s("appId"),
    s("displayName"),
    b("accountEnabled"),
    b("appRoleAssignmentRequired"),
    s("servicePrincipalType"),
    j("tags"),
    j("appRoles"),
  ],
};

export const APP_ROLE_ASSIGNMENT: TableSpec = {
  live: "DirAppRoleAssignment",
  stage: "SyncStageAppRoleAssignment",
  key: ["id"],
  columns: [
    s("resourceId", false),
    s("appRoleId", false),
    s("principalId", false),
    s("principalType", false),
    s("principalDisplayName"),
    s("resourceDisplayName"),
    d("createdAt"),
  ],
};

export const MFA: TableSpec = {
  live: "DirMfaRegistration",
  stage: "SyncStageMfaRegistration",
  key: ["userId"],
  columns: [
    s("userPrincipalName"),
    s("userType"),
    b("isAdmin"),
    b("isMfaRegistered"),
    b("isMfaCapable"),
    b("isPasswordlessCapable"),
    b("isSsprRegistered"),
    b("isSsprEnabled"),
    b("isSsprCapable"),
    b("isSystemPreferredMethodEnabled"),
    j("methodsRegistered"),
    j("systemPreferredMethods"),
    s("userPreferredMethod"),
    d("lastUpdatedAt"),
  ],
};

export const CA_POLICY: TableSpec = {
  live: "DirCaPolicy",
  stage: "SyncStageCaPolicy",
  key: ["id"],
  columns: [
    s("displayName"),
    s("state"),
    d("createdAt"),
    d("modifiedAt"),
    b("requiresMfa"),
    b("blocks"),
    j("targeting"),
    j("raw"),
  ],
};

export const ORGANIZATION: TableSpec = {
  live: "DirOrganization",
  stage: "SyncStageOrganization",
  key: ["id"],
  columns: [s("displayName"), s("defaultDomain"), j("verifiedDomains"), d("createdAt"), j("raw")],
};

/** Removals seen in delta rounds: kind is "user" or "group". */
export const REMOVED: TableSpec = {
  live: "",
  stage: "SyncStageRemoved",
  key: ["kind", "id"],
  columns: [],
};

/** Membership changes seen in delta rounds, including removals. */
export const MEMBER_DELTA: TableSpec = {
  live: "",
  stage: "SyncStageMemberDelta",
  key: ["relation", "groupId", "memberId"],
  columns: [s("memberType", false), b("removed")],
};

export const LIVE_TABLES = [
  USER,
  SPONSOR,
  GROUP,
  MEMBER,
  OWNER,
  ROLE_DEFINITION,
  ROLE_ASSIGNMENT,
  ROLE_SCHEDULE,
  GROUP_SCHEDULE,
  SERVICE_PRINCIPAL,
  SP_OWNER,
  APP_OWNER,
  APP_ROLE_ASSIGNMENT,
  MFA,
  CA_POLICY,
  ORGANIZATION,
];
export const STAGE_TABLES = [...LIVE_TABLES, USER_ACTIVITY, USER_MANAGER, REMOVED, MEMBER_DELTA];

export function allColumns(t: TableSpec): Column[] {
  return [...t.key.map((k) => ({ name: k, type: "string" as const })), ...t.columns];
}
