import { createHash, randomUUID } from "node:crypto";
import { recordChange, type EGroup, type EUser, type OnPremisesIds, type Tenant } from "./model";

/**
 * AD identifiers for an object synced from the emulated forest. The generator numbers its objects' RIDs in order
 * (unique); an object made later through the control plane gets one derived from its id, above that range.
 */
export function onPremisesIdsFor(id: string, name: string, sequence?: number): OnPremisesIds {
  const rid =
    sequence !== undefined
      ? 1100 + sequence
      : 10_000_000 + (createHash("sha256").update(id).digest().readUInt32BE(0) % 10_000_000);
  return {
    securityIdentifier: `S-1-5-21-3623811015-3361044348-30300820-${rid}`,
    samAccountName: name.replace(/[^A-Za-z0-9._-]/g, "").slice(0, 20) || `obj${rid}`,
    domainName: "corp.contoso.com",
  };
}

/** Every change to the tenant goes through here, so delta queries see it. */
export class TenantError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (id: string) =>
  new TenantError(
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export function createUser(
  t: Tenant,
  {
    onPremisesSyncEnabled,
    ...input
  }: Partial<EUser> & {
    displayName: string;
    userPrincipalName: string;
    onPremisesSyncEnabled?: boolean;
  },
): EUser {
  if (t.userByUpn.has(input.userPrincipalName.toLowerCase()))
    throw new TenantError(
      400,
      "Request_BadRequest",
      "Another object with the same value for property userPrincipalName already exists.",
    );
  const u: EUser = {
    id: input.id ?? randomUUID(),
    givenName: input.displayName.split(" ")[0] ?? "",
    surname: input.displayName.split(" ").slice(1).join(" "),
    mail: input.userPrincipalName.includes("#EXT#") ? null : input.userPrincipalName,
    jobTitle: null,
    department: null,
    companyName: null,
    employeeType: null,
    officeLocation: null,
    mobilePhone: null,
    businessPhones: [],
    preferredLanguage: null,
    userType: "Member",
    accountEnabled: true,
    externalUserState: null,
    externalUserStateChangeDateTime: null,
    creationType: null,
    createdDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    signInActivity: null,
    managerId: null,
    sponsorIds: [],
    mfa: null,
    ...input,
  };
  if (onPremisesSyncEnabled && !u.onPremises)
    u.onPremises = onPremisesIdsFor(u.id, u.userPrincipalName.split("@")[0] ?? u.displayName);
  t.users.push(u);
  t.userById.set(u.id, u);
  t.userByUpn.set(u.userPrincipalName.toLowerCase(), u);
  recordChange(t, "user", u.id, "upsert");
  return u;
}

const USER_PATCHABLE = new Set([
  "displayName",
  "givenName",
  "surname",
  "jobTitle",
  "department",
  "companyName",
  "employeeType",
  "accountEnabled",
  "officeLocation",
  "mail",
  "externalUserState",
  "externalUserStateChangeDateTime",
  "signInActivity",
  "managerId",
  "sponsorIds",
  "mfa",
  "userType",
]);

export function updateUser(t: Tenant, id: string, patch: Record<string, unknown>): EUser {
  const u = t.userById.get(id);
  if (!u) throw notFound(id);
  for (const [k, v] of Object.entries(patch)) {
    if (!USER_PATCHABLE.has(k)) throw new TenantError(400, "Request_BadRequest", `Property '${k}' cannot be updated.`);
    (u as unknown as Record<string, unknown>)[k] = v;
  }
  recordChange(t, "user", id, "upsert");
  return u;
}

export function deleteUser(t: Tenant, id: string): void {
  const u = t.userById.get(id);
  if (!u) throw notFound(id);
  for (const g of t.groups) {
    if (g.members.delete(id)) recordChange(t, "group", g.id, "member-remove", id);
    if (g.owners.delete(id)) recordChange(t, "group", g.id, "owner-remove", id);
  }
  t.roleAssignments = t.roleAssignments.filter((a) => a.principalId !== id);
  t.roleEligibilities = t.roleEligibilities.filter((a) => a.principalId !== id);
  t.groupSchedules = t.groupSchedules.filter((s) => s.principalId !== id);
  t.appRoleAssignments = t.appRoleAssignments.filter((a) => a.principalId !== id);
  for (const other of t.users) {
    if (other.managerId === id) other.managerId = null;
    if (other.sponsorIds.includes(id)) other.sponsorIds = other.sponsorIds.filter((s) => s !== id);
  }
  t.users.splice(t.users.indexOf(u), 1);
  t.userById.delete(id);
  t.userByUpn.delete(u.userPrincipalName.toLowerCase());
  recordChange(t, "user", id, "delete");
}

export function createGroup(t: Tenant, input: Partial<EGroup> & { displayName: string }): EGroup {
  const unified = input.groupTypes?.includes("Unified") ?? false;
  const g: EGroup = {
    id: input.id ?? randomUUID(),
    description: null,
    mail: null,
    mailNickname: input.displayName.replace(/[^A-Za-z0-9]/g, ""),
    mailEnabled: unified,
    securityEnabled: !unified,
    groupTypes: [],
    isAssignableToRole: false,
    membershipRule: null,
    membershipRuleProcessingState: null,
    visibility: null,
    createdDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    ...input,
    members: new Set(),
    owners: new Set(),
  };
  if (g.onPremisesSyncEnabled && !g.onPremises) g.onPremises = onPremisesIdsFor(g.id, g.displayName);
  t.groups.push(g);
  t.groupById.set(g.id, g);
  recordChange(t, "group", g.id, "upsert");
  return g;
}

const GROUP_PATCHABLE = new Set([
  "displayName",
  "description",
  "mail",
  "mailEnabled",
  "securityEnabled",
  "visibility",
  "membershipRule",
]);

export function updateGroup(t: Tenant, id: string, patch: Record<string, unknown>): EGroup {
  const g = t.groupById.get(id);
  if (!g) throw notFound(id);
  for (const [k, v] of Object.entries(patch)) {
    if (!GROUP_PATCHABLE.has(k)) throw new TenantError(400, "Request_BadRequest", `Property '${k}' cannot be updated.`);
    (g as unknown as Record<string, unknown>)[k] = v;
  }
  recordChange(t, "group", id, "upsert");
  return g;
}

export function deleteGroup(t: Tenant, id: string): void {
  const g = t.groupById.get(id);
  if (!g) throw notFound(id);
  for (const other of t.groups) if (other.members.delete(id)) recordChange(t, "group", other.id, "member-remove", id);
  t.roleAssignments = t.roleAssignments.filter((a) => a.principalId !== id);
  t.roleEligibilities = t.roleEligibilities.filter((a) => a.principalId !== id);
  t.groupSchedules = t.groupSchedules.filter((s) => s.principalId !== id && s.groupId !== id);
  t.appRoleAssignments = t.appRoleAssignments.filter((a) => a.principalId !== id);
  t.groups.splice(t.groups.indexOf(g), 1);
  t.groupById.delete(id);
  recordChange(t, "group", id, "delete");
}

export function addMember(t: Tenant, groupId: string, memberId: string): void {
  const g = t.groupById.get(groupId);
  if (!g) throw notFound(groupId);
  if (!t.userById.has(memberId) && !t.groupById.has(memberId) && !t.spById.has(memberId)) throw notFound(memberId);
  if (g.members.has(memberId))
    throw new TenantError(
      400,
      "Request_BadRequest",
      "One or more added object references already exist for the following modified properties: 'members'.",
    );
  g.members.add(memberId);
  recordChange(t, "group", groupId, "member-add", memberId);
}

export function removeMember(t: Tenant, groupId: string, memberId: string): void {
  const g = t.groupById.get(groupId);
  if (!g) throw notFound(groupId);
  if (!g.members.delete(memberId)) throw notFound(memberId);
  dropActiveSchedule(t, groupId, memberId, "member");
  recordChange(t, "group", groupId, "member-remove", memberId);
}

/** A membership or ownership that ends (removed through the groups API or PIM) takes its PIM end date with it. */
export function dropActiveSchedule(
  t: Tenant,
  groupId: string,
  principalId: string,
  accessId: "member" | "owner",
): void {
  t.groupSchedules = t.groupSchedules.filter(
    (s) => !(s.kind === "active" && s.groupId === groupId && s.principalId === principalId && s.accessId === accessId),
  );
}

export function addOwner(t: Tenant, groupId: string, ownerId: string): void {
  const g = t.groupById.get(groupId);
  if (!g) throw notFound(groupId);
  if (!t.userById.has(ownerId)) throw notFound(ownerId);
  g.owners.add(ownerId);
  recordChange(t, "group", groupId, "owner-add", ownerId);
}

export function removeOwner(t: Tenant, groupId: string, ownerId: string): void {
  const g = t.groupById.get(groupId);
  if (!g) throw notFound(groupId);
  if (!g.owners.delete(ownerId)) throw notFound(ownerId);
  dropActiveSchedule(t, groupId, ownerId, "owner");
  recordChange(t, "group", groupId, "owner-remove", ownerId);
}
