import { createHash } from "node:crypto";
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import type {
  EApplication,
  EAppRoleAssignment,
  EGroup,
  EGroupSchedule,
  ERoleAssignment,
  ERoleEligibility,
  EServicePrincipal,
  EUser,
  Tenant,
} from "../tenant/model";

export const USER_DEFAULT_FIELDS = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
];

export function userObject(u: EUser): Record<string, unknown> {
  return {
    id: u.id,
    businessPhones: u.businessPhones,
    displayName: u.displayName,
    givenName: u.givenName,
    surname: u.surname,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: u.mobilePhone,
    officeLocation: u.officeLocation,
    preferredLanguage: u.preferredLanguage,
    userPrincipalName: u.userPrincipalName,
    userType: u.userType,
    accountEnabled: u.accountEnabled,
    department: u.department,
    companyName: u.companyName,
    employeeType: u.employeeType,
    externalUserState: u.externalUserState,
    externalUserStateChangeDateTime: u.externalUserStateChangeDateTime,
    creationType: u.creationType,
    createdDateTime: u.createdDateTime,
    mailNickname: u.userPrincipalName.split("@")[0],
    // Graph's values for a cloud-only object are null, not false.
    onPremisesSyncEnabled: u.onPremises ? true : null,
    onPremisesSecurityIdentifier: u.onPremises?.securityIdentifier ?? null,
    onPremisesSamAccountName: u.onPremises?.samAccountName ?? null,
    onPremisesDomainName: u.onPremises?.domainName ?? null,
    signInActivity: u.signInActivity ?? {
      lastSignInDateTime: null,
      lastSignInRequestId: null,
      lastNonInteractiveSignInDateTime: null,
      lastNonInteractiveSignInRequestId: null,
      lastSuccessfulSignInDateTime: null,
      lastSuccessfulSignInRequestId: null,
    },
  } satisfies MSGraph.User;
}

export function groupObject(g: EGroup): Record<string, unknown> {
  return {
    id: g.id,
    displayName: g.displayName,
    description: g.description,
    mail: g.mail,
    mailNickname: g.mailNickname,
    mailEnabled: g.mailEnabled,
    securityEnabled: g.securityEnabled,
    groupTypes: g.groupTypes,
    isAssignableToRole: g.isAssignableToRole,
    membershipRule: g.membershipRule,
    membershipRuleProcessingState: g.membershipRuleProcessingState,
    visibility: g.visibility,
    createdDateTime: g.createdDateTime,
    // Graph's value for a cloud group is null, not false.
    onPremisesSyncEnabled: g.onPremisesSyncEnabled ? true : null,
    onPremisesSecurityIdentifier: g.onPremises?.securityIdentifier ?? null,
    onPremisesSamAccountName: g.onPremises?.samAccountName ?? null,
    onPremisesDomainName: g.onPremises?.domainName ?? null,
  } satisfies MSGraph.Group;
}

export function spObject(s: EServicePrincipal): Record<string, unknown> {
  // Owners are a relationship (/servicePrincipals/{id}/owners), never a property of the object.
  const { owners: _owners, ...sp } = s;
  return { ...sp } satisfies MSGraph.ServicePrincipal;
}

/**
 * An app registration (application-list): only what the sync selects and what identifies it. Its owners are a
 * relationship (/applications/{id}/owners), as for service principals.
 */
export function applicationObject(a: EApplication): Record<string, unknown> {
  return { id: a.id, appId: a.appId, displayName: a.displayName } satisfies MSGraph.Application;
}

export function roleAssignmentObject(a: ERoleAssignment): Record<string, unknown> {
  return {
    id: a.id,
    principalId: a.principalId,
    roleDefinitionId: a.roleDefinitionId,
    directoryScopeId: a.directoryScopeId,
    appScopeId: null,
  } satisfies MSGraph.UnifiedRoleAssignment;
}

/** A PIM schedule's period: scheduleInfo with expiration noExpiration or afterDateTime (requestSchedule). */
function scheduleInfo(start: string | undefined, end: string | null | undefined): MSGraph.RequestSchedule {
  return {
    startDateTime: start ?? null,
    recurrence: null,
    expiration: end
      ? { type: "afterDateTime", endDateTime: end, duration: null }
      : { type: "noExpiration", endDateTime: null, duration: null },
  };
}

/**
 * unifiedRoleEligibilitySchedule (rbacapplication-list-roleeligibilityschedules): the principal is the user, group or
 * app the eligibility was given to (memberType Direct); members of a group appear only in the schedule *instances*.
 */
export function roleEligibilityScheduleObject(e: ERoleEligibility): Record<string, unknown> {
  return {
    id: e.id,
    principalId: e.principalId,
    roleDefinitionId: e.roleDefinitionId,
    directoryScopeId: e.directoryScopeId,
    appScopeId: null,
    createdDateTime: e.createdDateTime,
    modifiedDateTime: null,
    createdUsing: e.id,
    status: "Provisioned",
    memberType: "Direct",
    scheduleInfo: scheduleInfo(e.startDateTime, e.endDateTime),
  } satisfies MSGraph.UnifiedRoleEligibilitySchedule;
}

/**
 * unifiedRoleAssignmentSchedule (rbacapplication-list-roleassignmentschedules): every active assignment, permanent ones
 * included (noExpiration, assignmentType Assigned); an activation says Activated and ends by itself.
 */
export function roleAssignmentScheduleObject(a: ERoleAssignment): Record<string, unknown> {
  // An assignment made through roleAssignments (not a schedule request) has its schedule under its own id, with
  // createdUsing and createdDateTime null (the list's second example in rbacapplication-list-roleassignmentschedules).
  return {
    id: a.scheduleId ?? a.id,
    principalId: a.principalId,
    roleDefinitionId: a.roleDefinitionId,
    directoryScopeId: a.directoryScopeId,
    appScopeId: null,
    createdDateTime: a.scheduleId ? (a.startDateTime ?? null) : null,
    modifiedDateTime: null,
    createdUsing: a.scheduleId ? a.scheduleId : null,
    status: "Provisioned",
    memberType: "Direct",
    assignmentType: a.assignmentType ?? "Assigned",
    scheduleInfo: scheduleInfo(a.startDateTime, a.endDateTime),
  } satisfies MSGraph.UnifiedRoleAssignmentSchedule;
}

/**
 * PIM for Groups (#19, privilegedaccessgroup-list-eligibilityschedules): an eligibility to activate membership or
 * ownership of a governed group. memberType and assignmentType are enums here (privilegedAccessGroupMemberType,
 * -AssignmentType), serialized by member name in lower case as the metadata defines them; Microsoft's hand-written
 * response examples show "Direct" and "Assigned", so Recert compares them without case.
 */
export function groupEligibilityScheduleObject(e: EGroupSchedule): Record<string, unknown> {
  return {
    id: e.id,
    groupId: e.groupId,
    principalId: e.principalId,
    accessId: e.accessId,
    memberType: "direct",
    createdDateTime: e.createdDateTime,
    modifiedDateTime: null,
    createdUsing: e.id,
    status: "Provisioned",
    scheduleInfo: scheduleInfo(e.startDateTime, e.endDateTime),
  } satisfies MSGraph.PrivilegedAccessGroupEligibilitySchedule;
}

/**
 * PIM for Groups (privilegedaccessgroup-list-assignmentschedules): every current membership or ownership of a governed
 * group is an active assignment; one an admin made through PIM until a date carries that end (`s`), the others never
 * expire and, made through the groups API, have no creating request.
 */
export function groupAssignmentScheduleObject(
  groupId: string,
  principalId: string,
  accessId: "member" | "owner",
  s: EGroupSchedule | undefined,
): Record<string, unknown> {
  const h = createHash("sha256").update(`pimGroupAssignment:${groupId}:${principalId}:${accessId}`).digest("hex");
  return {
    id: s?.id ?? `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`,
    groupId,
    principalId,
    accessId,
    memberType: "direct",
    assignmentType: s?.assignmentType === "Activated" ? "activated" : "assigned",
    createdDateTime: s?.createdDateTime ?? null,
    modifiedDateTime: null,
    createdUsing: s?.id ?? null,
    status: "Provisioned",
    scheduleInfo: scheduleInfo(s?.startDateTime, s?.endDateTime),
  } satisfies MSGraph.PrivilegedAccessGroupAssignmentSchedule;
}

export function appRoleAssignmentObject(a: EAppRoleAssignment): Record<string, unknown> {
  return { ...a, deletedDateTime: null } satisfies MSGraph.AppRoleAssignment;
}

/**
 * A directory role as /directoryRoles lists it (directoryrole-list): an *activated* role, whose object id is its own
 * and not the template's (the role definition's id is the template id). A stable id derived from the template.
 */
export function directoryRoleObject(d: MSGraph.UnifiedRoleDefinition): Record<string, unknown> {
  const h = createHash("sha256")
    .update(`directoryRole:${d.templateId ?? d.id}`)
    .digest("hex");
  return {
    id: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-9${h.slice(17, 20)}-${h.slice(20, 32)}`,
    deletedDateTime: null,
    description: d.description ?? null,
    displayName: d.displayName ?? null,
    roleTemplateId: d.templateId ?? d.id ?? null,
  } satisfies MSGraph.DirectoryRole;
}

export function registrationObject(u: EUser, adminIds: Set<string>): Record<string, unknown> {
  const m = u.mfa!;
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    userDisplayName: u.displayName,
    userType: u.userType === "Guest" ? "guest" : "member",
    isAdmin: adminIds.has(u.id),
    isMfaRegistered: m.isMfaRegistered,
    isMfaCapable: m.isMfaCapable,
    isPasswordlessCapable: m.isPasswordlessCapable,
    isSsprRegistered: m.isSsprRegistered,
    isSsprEnabled: m.isSsprEnabled,
    isSsprCapable: m.isSsprCapable,
    isSystemPreferredAuthenticationMethodEnabled: true,
    methodsRegistered: m.methodsRegistered,
    systemPreferredAuthenticationMethods: m.systemPreferredAuthenticationMethods,
    userPreferredMethodForSecondaryAuthentication: m.userPreferredMethodForSecondaryAuthentication,
    lastUpdatedDateTime: m.lastUpdatedDateTime,
  } satisfies MSGraph.UserRegistrationDetails;
}

/** A member or owner as Graph returns it: a directoryObject with its @odata.type. */
export function directoryObject(t: Tenant, id: string): Record<string, unknown> | undefined {
  const u = t.userById.get(id);
  if (u) return { "@odata.type": "#microsoft.graph.user", ...userObject(u) };
  const g = t.groupById.get(id);
  if (g) return { "@odata.type": "#microsoft.graph.group", ...groupObject(g) };
  const s = t.spById.get(id);
  if (s) return { "@odata.type": "#microsoft.graph.servicePrincipal", ...spObject(s) };
  return undefined;
}

export function odataType(t: Tenant, id: string): string {
  if (t.userById.has(id)) return "#microsoft.graph.user";
  if (t.groupById.has(id)) return "#microsoft.graph.group";
  return "#microsoft.graph.servicePrincipal";
}

/**
 * $select: only the named fields plus id (and @odata.type where present); no $select: the defaults. A selected
 * property the object has no value for comes back as null, as Graph returns it (Graph's $select documentation and
 * its JSON responses: selected properties are always present), never left out.
 */
export function project(
  o: Record<string, unknown>,
  select: string[] | undefined,
  defaults?: string[],
): Record<string, unknown> {
  const fields = select ?? defaults;
  if (!fields) return o;
  const out: Record<string, unknown> = {};
  if (o["@odata.type"]) out["@odata.type"] = o["@odata.type"];
  for (const f of fields) out[f] = o[f] === undefined ? null : o[f];
  out.id = o.id;
  return out;
}
