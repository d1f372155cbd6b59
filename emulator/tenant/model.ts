import type * as MSGraph from "@microsoft/microsoft-graph-types";
import type { KeyCredential } from "../oidc/client-assertion";

/** In-memory tenant. Shapes follow @microsoft/microsoft-graph-types; relations are kept as id sets. */
export interface EUser {
  id: string;
  displayName: string;
  givenName: string;
  surname: string;
  userPrincipalName: string;
  mail: string | null;
  jobTitle: string | null;
  department: string | null;
  companyName: string | null;
  employeeType: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  preferredLanguage: string | null;
  userType: "Member" | "Guest";
  accountEnabled: boolean;
  externalUserState: "PendingAcceptance" | "Accepted" | null;
  externalUserStateChangeDateTime: string | null;
  creationType: string | null;
  createdDateTime: string;
  signInActivity: MSGraph.SignInActivity | null;
  managerId: string | null;
  sponsorIds: string[];
  mfa: MfaInfo | null;
  /** Set for a user Entra Connect syncs from Active Directory. */
  onPremises?: OnPremisesIds;
}

/** What Entra Connect writes on an object it syncs from AD (Graph: onPremisesSecurityIdentifier, …). */
export interface OnPremisesIds {
  securityIdentifier: string;
  samAccountName: string;
  domainName: string;
}

export interface MfaInfo {
  isMfaRegistered: boolean;
  isMfaCapable: boolean;
  isPasswordlessCapable: boolean;
  isSsprRegistered: boolean;
  isSsprEnabled: boolean;
  isSsprCapable: boolean;
  methodsRegistered: string[];
  userPreferredMethodForSecondaryAuthentication: MSGraph.UserDefaultAuthenticationMethod;
  systemPreferredAuthenticationMethods: string[];
  lastUpdatedDateTime: string;
}

export interface EGroup {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  isAssignableToRole: boolean;
  membershipRule: string | null;
  membershipRuleProcessingState: string | null;
  visibility: string | null;
  createdDateTime: string;
  /** True for a group Entra Connect syncs from Active Directory (set by the generator or the control plane; never by Graph). */
  onPremisesSyncEnabled?: boolean;
  onPremises?: OnPremisesIds;
  members: Set<string>;
  owners: Set<string>;
  /** Governed by PIM for Groups (#19): its eligibilities and assignment schedules are listed under privilegedAccess/group. */
  pimOnboarded?: boolean;
}

export interface ERoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  /**
   * PIM (#19): an active assignment's schedule. Graph lists every active assignment in roleAssignmentSchedules too
   * (permanent ones with expiration noExpiration); a time-bound one ends at endDateTime. "Activated" marks an
   * eligibility someone activated (it ends by itself), "Assigned" an admin's assignment.
   */
  scheduleId?: string;
  startDateTime?: string;
  endDateTime?: string | null;
  assignmentType?: "Assigned" | "Activated";
}

/** A PIM eligibility (unifiedRoleEligibilitySchedule): the right to activate a role, permanent or until endDateTime. */
export interface ERoleEligibility {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  createdDateTime: string;
  startDateTime: string;
  endDateTime: string | null;
}

/**
 * PIM for Groups (#19): an eligibility (the right to activate membership or ownership of a group governed by PIM,
 * privilegedAccessGroupEligibilitySchedule), or an active assignment that ends at a date (kind "active": the principal
 * is also in the group's members or owners until then). A governed group's other members and owners are active
 * assignments without an end, which the router derives from the group itself.
 */
export interface EGroupSchedule {
  id: string;
  kind: "eligible" | "active";
  groupId: string;
  principalId: string;
  accessId: "member" | "owner";
  /** Active ones: made by an admin (Assigned, the default) or an eligible person's activation (Activated). */
  assignmentType?: "Assigned" | "Activated";
  createdDateTime: string;
  startDateTime: string;
  endDateTime: string | null;
}

export interface EServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  appRoleAssignmentRequired: boolean;
  servicePrincipalType: string;
  tags: string[];
  appRoles: MSGraph.AppRole[];
  /** Its owners (users), as /servicePrincipals/{id}/owners lists them (#19: who reviews the app's own access). */
  owners?: string[];
}

/**
 * An app registration of this tenant (the application object, #19): what /applications lists. Its owners are set on
 * the registration, apart from the service principal's; appId joins the two. Apps registered elsewhere have none here.
 */
export interface EApplication {
  id: string;
  appId: string;
  displayName: string;
  owners: string[];
}

export interface EAppRoleAssignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalType: "User" | "Group" | "ServicePrincipal";
  principalDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
  createdDateTime: string;
}

/** An app registration that can get tokens: Recert itself and the GRC evidence client. */
export interface EApp {
  clientId: string;
  displayName: string;
  /** Its client secret; null for an app that has certificates only (the write app, as the README recommends). */
  secret: string | null;
  /** Certificates uploaded under Certificates & secrets (keyCredentials): each can sign client assertions. */
  keyCredentials?: KeyCredential[];
  secretExpired: boolean;
  redirectUris: string[];
  identifierUris: string[];
  appRoles: MSGraph.AppRole[];
  servicePrincipalId: string;
  /** Consented Graph application permissions (the `roles` of its Graph tokens). */
  graphPermissions: string[];
  /**
   * Its Graph tokens are opaque strings rather than readable JWTs. Microsoft tells clients to treat access tokens
   * as opaque (they may be encrypted); this lets tests prove Recert never depends on reading them.
   */
  opaqueGraphTokens?: boolean;
  /**
   * For an app that exposes an API: the access token version Entra issues for it (requestedAccessTokenVersion on
   * its apiApplication, accessTokenAcceptedVersion in the manifest). Unset (null) means v1, Entra's default.
   */
  accessTokenVersion?: 1 | 2 | null;
}

export type ObjectKind = "user" | "group" | "servicePrincipal";

export interface ChangeEntry {
  seq: number;
  kind: "user" | "group";
  id: string;
  op: "upsert" | "delete" | "member-add" | "member-remove" | "owner-add" | "owner-remove";
  ref?: string;
}

export interface WellKnownAccount {
  upn: string;
  role: string;
}

export interface Tenant {
  id: string;
  domain: string;
  organization: MSGraph.Organization;
  users: EUser[];
  groups: EGroup[];
  roleDefinitions: MSGraph.UnifiedRoleDefinition[];
  roleAssignments: ERoleAssignment[];
  roleEligibilities: ERoleEligibility[];
  groupSchedules: EGroupSchedule[];
  servicePrincipals: EServicePrincipal[];
  applications: EApplication[];
  appRoleAssignments: EAppRoleAssignment[];
  policies: MSGraph.ConditionalAccessPolicy[];
  apps: EApp[];
  wellKnown: WellKnownAccount[];
  password: string;
  /** Filled by indexTenant. */
  userById: Map<string, EUser>;
  userByUpn: Map<string, EUser>;
  groupById: Map<string, EGroup>;
  spById: Map<string, EServicePrincipal>;
  changes: ChangeEntry[];
  seq: number;
}

export function indexTenant(t: Tenant): Tenant {
  t.userById = new Map(t.users.map((u) => [u.id, u]));
  t.userByUpn = new Map(t.users.map((u) => [u.userPrincipalName.toLowerCase(), u]));
  t.groupById = new Map(t.groups.map((g) => [g.id, g]));
  t.spById = new Map(t.servicePrincipals.map((s) => [s.id, s]));
  return t;
}

export function kindOf(t: Tenant, id: string): ObjectKind | undefined {
  if (t.userById.has(id)) return "user";
  if (t.groupById.has(id)) return "group";
  if (t.spById.has(id)) return "servicePrincipal";
  return undefined;
}

export function recordChange(
  t: Tenant,
  kind: ChangeEntry["kind"],
  id: string,
  op: ChangeEntry["op"],
  ref?: string,
): void {
  t.seq += 1;
  t.changes.push({ seq: t.seq, kind, id, op, ...(ref ? { ref } : {}) });
}
