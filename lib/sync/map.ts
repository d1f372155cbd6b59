/**
 * Graph objects → table rows. Pure functions. A field Graph did not send maps to `undefined` (so a
 * partial delta object can be merged with what we already hold); a field sent as null maps to null.
 */
import type { Row, Value } from "./sql";

export type GraphObject = Record<string, unknown>;

/** What we $select from users/delta (what DirUser stores, minus activity and manager). */
export const USER_SELECT = [
  "id",
  "displayName",
  "userPrincipalName",
  "mail",
  "givenName",
  "surname",
  "userType",
  "accountEnabled",
  "externalUserState",
  "externalUserStateChangeDateTime",
  "creationType",
  "companyName",
  "employeeType",
  "department",
  "jobTitle",
  "officeLocation",
  "onPremisesSyncEnabled",
  "onPremisesSecurityIdentifier",
  "onPremisesSamAccountName",
  "onPremisesDomainName",
  "createdDateTime",
];

export const GROUP_SELECT = [
  "id",
  "displayName",
  "description",
  "mail",
  "mailNickname",
  "groupTypes",
  "securityEnabled",
  "mailEnabled",
  "isAssignableToRole",
  "membershipRule",
  "membershipRuleProcessingState",
  "visibility",
  "onPremisesSyncEnabled",
  "onPremisesSecurityIdentifier",
  "onPremisesSamAccountName",
  "onPremisesDomainName",
  "createdDateTime",
  "members",
  "owners",
];

export const SP_SELECT = [
  "id",
  "appId",
  "displayName",
  "appRoles",
  "servicePrincipalType",
  "accountEnabled",
  "appRoleAssignmentRequired",
  "tags",
];

function field(o: GraphObject, k: string): unknown {
  return k in o ? (o[k] ?? null) : undefined;
}
const str = (o: GraphObject, k: string): string | null | undefined => {
  const v = field(o, k);
  return v === undefined ? undefined : v === null ? null : String(v);
};
const bool = (o: GraphObject, k: string, dflt = false): boolean | undefined => {
  const v = field(o, k);
  return v === undefined ? undefined : v === null ? dflt : Boolean(v);
};
const date = (o: GraphObject, k: string): string | null | undefined => {
  const v = field(o, k);
  return v === undefined ? undefined : typeof v === "string" && v ? v : null;
};
const json = (o: GraphObject, k: string, dflt: unknown = []): string | undefined => {
  const v = field(o, k);
  return v === undefined ? undefined : JSON.stringify(v ?? dflt);
};

export function isRemoved(o: GraphObject): boolean {
  return "@removed" in o;
}

/** The identifiers Entra Connect syncs from AD (null for cloud objects): what an AD command names an object by. */
function onPremises(o: GraphObject) {
  return {
    onPremisesSecurityIdentifier: str(o, "onPremisesSecurityIdentifier"),
    onPremisesSamAccountName: str(o, "onPremisesSamAccountName"),
    onPremisesDomainName: str(o, "onPremisesDomainName"),
  };
}

export function mapUser(o: GraphObject): Row {
  return {
    id: String(o.id),
    displayName: str(o, "displayName"),
    userPrincipalName: str(o, "userPrincipalName"),
    mail: str(o, "mail"),
    givenName: str(o, "givenName"),
    surname: str(o, "surname"),
    userType: str(o, "userType"),
    accountEnabled: bool(o, "accountEnabled", true),
    externalUserState: str(o, "externalUserState"),
    externalUserStateChangeAt: date(o, "externalUserStateChangeDateTime"),
    creationType: str(o, "creationType"),
    companyName: str(o, "companyName"),
    employeeType: str(o, "employeeType"),
    department: str(o, "department"),
    jobTitle: str(o, "jobTitle"),
    officeLocation: str(o, "officeLocation"),
    onPremisesSyncEnabled: bool(o, "onPremisesSyncEnabled"),
    ...onPremises(o),
    createdAt: date(o, "createdDateTime"),
  };
}

export function mapSignInActivity(o: GraphObject): Row {
  const s = (o.signInActivity ?? {}) as GraphObject;
  return {
    id: String(o.id),
    lastSignInAt: date(s, "lastSignInDateTime") ?? null,
    lastNonInteractiveSignInAt: date(s, "lastNonInteractiveSignInDateTime") ?? null,
    lastSuccessfulSignInAt: date(s, "lastSuccessfulSignInDateTime") ?? null,
  };
}

/** security | m365 | dynamic flag is separate | distribution | mailSecurity */
export function groupKind(groupTypes: string[], mailEnabled: boolean, securityEnabled: boolean): string {
  if (groupTypes.includes("Unified")) return "m365";
  if (mailEnabled && securityEnabled) return "mailSecurity";
  if (mailEnabled) return "distribution";
  return "security";
}

export function mapGroup(o: GraphObject): Row {
  return {
    id: String(o.id),
    displayName: str(o, "displayName"),
    description: str(o, "description"),
    mail: str(o, "mail"),
    mailNickname: str(o, "mailNickname"),
    groupTypes: json(o, "groupTypes"),
    securityEnabled: bool(o, "securityEnabled"),
    mailEnabled: bool(o, "mailEnabled"),
    isAssignableToRole: bool(o, "isAssignableToRole"),
    membershipRule: str(o, "membershipRule"),
    membershipRuleProcessingState: str(o, "membershipRuleProcessingState"),
    visibility: str(o, "visibility"),
    onPremisesSyncEnabled: bool(o, "onPremisesSyncEnabled"),
    ...onPremises(o),
    createdAt: date(o, "createdDateTime"),
  };
}

/** Derived group columns, computed once the row is complete (after merging a partial delta object). */
export function completeGroup(r: Row): Row {
  let types: string[] = [];
  try {
    types = JSON.parse(String(r.groupTypes ?? "[]")) as string[];
  } catch {
    types = [];
  }
  return {
    ...r,
    groupTypes: JSON.stringify(types),
    securityEnabled: Boolean(r.securityEnabled),
    mailEnabled: Boolean(r.mailEnabled),
    isAssignableToRole: Boolean(r.isAssignableToRole),
    onPremisesSyncEnabled: Boolean(r.onPremisesSyncEnabled),
    kind: groupKind(types, Boolean(r.mailEnabled), Boolean(r.securityEnabled)),
    isDynamic: types.includes("DynamicMembership"),
  };
}

/** Columns a delta object carried (used to decide whether it must be merged with the stored row). */
export function hasAllFields(o: GraphObject, select: string[]): boolean {
  for (const f of select) if (f !== "members" && f !== "owners" && !(f in o)) return false;
  return true;
}

/** Any property besides id and annotations: a group entry that only carries membership changes has none. */
export function hasProps(o: GraphObject): boolean {
  for (const k of Object.keys(o)) if (k !== "id" && !k.includes("@")) return true;
  return false;
}

/** `#microsoft.graph.servicePrincipal` → `servicePrincipal` */
export function objectType(o: GraphObject): string {
  const t = typeof o["@odata.type"] === "string" ? (o["@odata.type"] as string) : "";
  return t.replace(/^#?microsoft\.graph\./, "") || "unknown";
}

export function mapRoleDefinition(o: GraphObject): Row {
  return {
    id: String(o.id),
    displayName: str(o, "displayName"),
    description: str(o, "description"),
    templateId: str(o, "templateId"),
    isBuiltIn: bool(o, "isBuiltIn") ?? false,
    isEnabled: bool(o, "isEnabled", true) ?? true,
    rolePermissions: json(o, "rolePermissions") ?? "[]",
  };
}

export function mapRoleAssignment(o: GraphObject): Row {
  const principal = (o.principal ?? undefined) as GraphObject | undefined;
  return {
    id: String(o.id),
    roleDefinitionId: String(o.roleDefinitionId),
    principalId: String(o.principalId),
    principalType: principal ? objectType(principal) : "unknown",
    directoryScopeId: str(o, "directoryScopeId") ?? null,
    appScopeId: str(o, "appScopeId") ?? null,
  };
}

/**
 * A PIM schedule (unifiedRoleEligibilitySchedule or unifiedRoleAssignmentSchedule): its period is scheduleInfo's
 * startDateTime and, for expiration afterDateTime, endDateTime; noExpiration (or afterDuration without an end) is
 * permanent here. The principal is classified from the directory after the apply, as for role assignments.
 */
export function mapRoleSchedule(kind: "eligible" | "active"): (o: GraphObject) => Row {
  return (o) => {
    const info = (o.scheduleInfo ?? {}) as {
      startDateTime?: string | null;
      expiration?: { endDateTime?: string | null };
    };
    const principal = (o.principal ?? undefined) as GraphObject | undefined;
    return {
      id: String(o.id),
      kind,
      roleDefinitionId: String(o.roleDefinitionId),
      principalId: String(o.principalId),
      principalType: principal ? objectType(principal) : "unknown",
      directoryScopeId: str(o, "directoryScopeId") ?? null,
      appScopeId: str(o, "appScopeId") ?? null,
      memberType: str(o, "memberType") ?? null,
      assignmentType: kind === "active" ? (str(o, "assignmentType") ?? null) : null,
      startAt: info.startDateTime ?? null,
      endAt: info.expiration?.endDateTime ?? null,
    };
  };
}

/**
 * PIM for Groups (#19): privilegedAccessGroupEligibilitySchedule or -AssignmentSchedule. The principal comes as an id
 * only (apply classifies it from the directory); the period is scheduleInfo's, as for roles.
 */
export function mapGroupSchedule(kind: "eligible" | "active"): (o: GraphObject) => Row {
  return (o) => {
    const info = (o.scheduleInfo ?? {}) as {
      startDateTime?: string | null;
      expiration?: { endDateTime?: string | null };
    };
    return {
      id: String(o.id),
      kind,
      groupId: String(o.groupId),
      accessId: str(o, "accessId") ?? "member",
      principalId: String(o.principalId),
      principalType: "unknown",
      memberType: str(o, "memberType") ?? null,
      assignmentType: kind === "active" ? (str(o, "assignmentType") ?? null) : null,
      startAt: info.startDateTime ?? null,
      endAt: info.expiration?.endDateTime ?? null,
    };
  };
}

export function mapServicePrincipal(o: GraphObject): Row {
  return {
    id: String(o.id),
    appId: str(o, "appId") ?? null,
    displayName: str(o, "displayName") ?? null,
    accountEnabled: bool(o, "accountEnabled", true) ?? true,
    appRoleAssignmentRequired: bool(o, "appRoleAssignmentRequired") ?? false,
    servicePrincipalType: str(o, "servicePrincipalType") ?? null,
    tags: json(o, "tags") ?? "[]",
    appRoles: json(o, "appRoles") ?? "[]",
  };
}

export function mapAppRoleAssignment(o: GraphObject): Row {
  return {
    id: String(o.id),
    resourceId: String(o.resourceId),
    appRoleId: String(o.appRoleId ?? "00000000-0000-0000-0000-000000000000"),
    principalId: String(o.principalId),
    principalType: String(o.principalType ?? "unknown"),
    principalDisplayName: str(o, "principalDisplayName") ?? null,
    resourceDisplayName: str(o, "resourceDisplayName") ?? null,
    createdAt: date(o, "createdDateTime") ?? null,
  };
}

export function mapRegistration(o: GraphObject): Row {
  return {
    userId: String(o.id),
    userPrincipalName: str(o, "userPrincipalName") ?? null,
    userType: str(o, "userType") ?? null,
    isAdmin: bool(o, "isAdmin") ?? false,
    isMfaRegistered: bool(o, "isMfaRegistered") ?? false,
    isMfaCapable: bool(o, "isMfaCapable") ?? false,
    isPasswordlessCapable: bool(o, "isPasswordlessCapable") ?? false,
    isSsprRegistered: bool(o, "isSsprRegistered") ?? false,
    isSsprEnabled: bool(o, "isSsprEnabled") ?? false,
    isSsprCapable: bool(o, "isSsprCapable") ?? false,
    isSystemPreferredMethodEnabled: bool(o, "isSystemPreferredAuthenticationMethodEnabled") ?? false,
    methodsRegistered: json(o, "methodsRegistered") ?? "[]",
    systemPreferredMethods: json(o, "systemPreferredAuthenticationMethods") ?? "[]",
    userPreferredMethod: str(o, "userPreferredMethodForSecondaryAuthentication") ?? null,
    lastUpdatedAt: date(o, "lastUpdatedDateTime") ?? null,
  };
}

export interface CaTargeting {
  state: string;
  users: {
    includeUsers: string[];
    excludeUsers: string[];
    includeGroups: string[];
    excludeGroups: string[];
    includeRoles: string[];
    excludeRoles: string[];
    includeGuestsOrExternalUserTypes: string[];
    excludeGuestsOrExternalUserTypes: string[];
  };
  applications: { includeApplications: string[]; excludeApplications: string[]; includeUserActions: string[] };
  clientAppTypes: string[];
  grant: { operator: string | null; builtInControls: string[]; authenticationStrengthId: string | null } | null;
}

const arr = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const guestTypes = (v: unknown): string[] => {
  const t = (v as GraphObject | null | undefined)?.guestOrExternalUserTypes;
  return typeof t === "string" && t
    ? t
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
};

/** The parts of a conditional-access policy that say whom it targets and what it requires. */
export function parseCaTargeting(o: GraphObject): CaTargeting {
  const conditions = (o.conditions ?? {}) as GraphObject;
  const u = (conditions.users ?? {}) as GraphObject;
  const a = (conditions.applications ?? {}) as GraphObject;
  const g = (o.grantControls ?? null) as GraphObject | null;
  const strength = (g?.authenticationStrength ?? null) as GraphObject | null;
  return {
    state: String(o.state ?? ""),
    users: {
      includeUsers: arr(u.includeUsers),
      excludeUsers: arr(u.excludeUsers),
      includeGroups: arr(u.includeGroups),
      excludeGroups: arr(u.excludeGroups),
      includeRoles: arr(u.includeRoles),
      excludeRoles: arr(u.excludeRoles),
      includeGuestsOrExternalUserTypes: guestTypes(u.includeGuestsOrExternalUsers),
      excludeGuestsOrExternalUserTypes: guestTypes(u.excludeGuestsOrExternalUsers),
    },
    applications: {
      includeApplications: arr(a.includeApplications),
      excludeApplications: arr(a.excludeApplications),
      includeUserActions: arr(a.includeUserActions),
    },
    clientAppTypes: arr(conditions.clientAppTypes),
    grant: g
      ? {
          operator: typeof g.operator === "string" ? g.operator : null,
          builtInControls: arr(g.builtInControls),
          authenticationStrengthId: strength && typeof strength.id === "string" ? strength.id : null,
        }
      : null,
  };
}

export function mapCaPolicy(o: GraphObject): Row {
  const t = parseCaTargeting(o);
  const controls = t.grant?.builtInControls ?? [];
  return {
    id: String(o.id),
    displayName: str(o, "displayName") ?? null,
    state: str(o, "state") ?? null,
    createdAt: date(o, "createdDateTime") ?? null,
    modifiedAt: date(o, "modifiedDateTime") ?? null,
    requiresMfa: controls.includes("mfa") || Boolean(t.grant?.authenticationStrengthId),
    blocks: controls.includes("block"),
    targeting: JSON.stringify(t),
    raw: JSON.stringify(o),
  };
}

export function mapOrganization(o: GraphObject): Row {
  const domains = Array.isArray(o.verifiedDomains) ? (o.verifiedDomains as GraphObject[]) : [];
  const def = domains.find((d) => d.isDefault) ?? domains[0];
  return {
    id: String(o.id),
    displayName: str(o, "displayName") ?? null,
    defaultDomain: def && typeof def.name === "string" ? def.name : null,
    verifiedDomains: JSON.stringify(domains),
    createdAt: date(o, "createdDateTime") ?? null,
    raw: JSON.stringify(o),
  };
}

/** Fills the columns a partial object did not carry from the row we already hold. */
export function mergeRow(partial: Row, existing: Record<string, unknown> | undefined): Row {
  const out: Row = { ...partial };
  for (const [k, v] of Object.entries(out)) {
    if (v !== undefined) continue;
    const e = existing?.[k];
    out[k] = e === undefined ? null : (e as Value);
  }
  return out;
}
