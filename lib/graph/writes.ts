import "server-only";
import type { GraphClient } from "./client";
import { GraphError, parseGraphError } from "./errors";

export type WriteOp =
  | { kind: "removeGroupMember"; groupId: string; memberId: string }
  | { kind: "removeRoleAssignment"; assignmentId: string }
  | { kind: "removeAppRoleAssignment"; servicePrincipalId: string; assignmentId: string }
  | {
      kind: "removeRoleEligibility" | "removeRoleAssignmentSchedule";
      principalId: string;
      roleDefinitionId: string;
      directoryScopeId: string;
      justification: string;
    }
  /** PIM for Groups (#19): an eligible membership or ownership (a review, an access expiry), removed by group, principal and access. */
  | {
      kind: "removeGroupEligibility";
      groupId: string;
      principalId: string;
      accessId: "member" | "owner";
      justification: string;
    }
  | { kind: "setAccountEnabled"; userId: string; enabled: boolean }
  /** A denied guest's deletion (#19): user-delete, User.ReadWrite.All. */
  | { kind: "deleteUser"; userId: string };

export type WriteResult =
  | { outcome: "applied" }
  | { outcome: "already_removed" }
  | { outcome: "failed"; error: GraphError };

/** lib/graph knows no database: the caller (lib/reviews, lib/guests) records the audit events. */
export interface WriteAudit {
  before(op: WriteOp): Promise<void>;
  after(op: WriteOp, result: WriteResult): Promise<void>;
}

const enc = encodeURIComponent;

function request(op: WriteOp): { method: "DELETE" | "PATCH" | "POST"; path: string; body?: unknown } {
  switch (op.kind) {
    case "removeGroupMember":
      return { method: "DELETE", path: `/groups/${enc(op.groupId)}/members/${enc(op.memberId)}/$ref` };
    case "removeRoleAssignment":
      return { method: "DELETE", path: `/roleManagement/directory/roleAssignments/${enc(op.assignmentId)}` };
    case "removeAppRoleAssignment":
      return {
        method: "DELETE",
        path: `/servicePrincipals/${enc(op.servicePrincipalId)}/appRoleAssignedTo/${enc(op.assignmentId)}`,
      };
    case "setAccountEnabled":
      return { method: "PATCH", path: `/users/${enc(op.userId)}`, body: { accountEnabled: op.enabled } };
    case "deleteUser":
      return { method: "DELETE", path: `/users/${enc(op.userId)}` };
    case "removeRoleEligibility":
    case "removeRoleAssignmentSchedule":
      // PIM (#19), rbacapplication-post-roleeligibilityschedulerequests (example 2) and
      // -post-roleassignmentschedulerequests: an admin removes an eligibility or a time-bound assignment by principal,
      // role and scope (RoleManagement.ReadWrite.Directory, or the RoleEligibility/RoleAssignmentSchedule.ReadWrite ones).
      return {
        method: "POST",
        path: `/roleManagement/directory/${op.kind === "removeRoleEligibility" ? "roleEligibilityScheduleRequests" : "roleAssignmentScheduleRequests"}`,
        body: {
          action: "adminRemove",
          principalId: op.principalId,
          roleDefinitionId: op.roleDefinitionId,
          directoryScopeId: op.directoryScopeId,
          justification: op.justification,
        },
      };
    case "removeGroupEligibility":
      // privilegedaccessgroup-post-eligibilityschedulerequests: adminRemove by accessId, groupId and principalId
      // (PrivilegedEligibilitySchedule.Remove.AzureADGroup, the removal-only permission, or its ReadWrite).
      return {
        method: "POST",
        path: "/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests",
        body: {
          action: "adminRemove",
          accessId: op.accessId,
          groupId: op.groupId,
          principalId: op.principalId,
          justification: op.justification,
        },
      };
  }
}

/**
 * The only way Recert changes Entra. Audited before (intent) and after (outcome), so an interrupted
 * apply leaves a trace of what may have happened. A delete of something already gone is not a failure.
 */
export async function graphWrite(client: GraphClient, op: WriteOp, audit: WriteAudit): Promise<WriteResult> {
  await audit.before(op);
  let result: WriteResult;
  try {
    const r = request(op);
    const res = await client.send(r.method, r.path, r.body);
    if (res.status >= 200 && res.status < 300) result = { outcome: "applied" };
    else {
      const error = parseGraphError(res.status, res.body);
      if (res.status === 404 && error.code === "Request_ResourceNotFound" && r.method === "DELETE")
        result = { outcome: "already_removed" };
      else if (
        (op.kind === "removeRoleEligibility" || op.kind === "removeRoleAssignmentSchedule") &&
        res.status === 400 &&
        error.code === "RoleAssignmentDoesNotExist"
      )
        // PIM's answer when nothing matches (Microsoft's PIM error table: 400 RoleAssignmentDoesNotExist): "already
        // removed" only when a read of the eligibilities agrees, as for the ambiguous EntitlementGrant answer below.
        result = (await scheduleExists(client, op)) ? { outcome: "failed", error } : { outcome: "already_removed" };
      else if (
        op.kind === "removeGroupEligibility" &&
        res.status === 400 &&
        error.code === "RoleAssignmentDoesNotExist"
      )
        // The same for a group's eligibility, read back by group (the list needs a groupId or principalId filter).
        result = (await groupEligibilityExists(client, op))
          ? { outcome: "failed", error }
          : { outcome: "already_removed" };
      else if (op.kind === "removeAppRoleAssignment" && isEntitlementGrantNotFound(res.status, error))
        // Graph answers this 400, not 404, for an assignment that is gone, but it has also been reported for
        // assignments that still exist (msgraph-sdk-dotnet#968): only a read of the resource's assignments tells.
        result = (await appRoleAssignmentExists(client, op))
          ? { outcome: "failed", error }
          : { outcome: "already_removed" };
      else result = { outcome: "failed", error };
    }
  } catch (e) {
    result = {
      outcome: "failed",
      error:
        e instanceof GraphError ? e : new GraphError({ status: 0, code: "unexpected", message: (e as Error).message }),
    };
  }
  await audit.after(op, result);
  return result;
}

function isEntitlementGrantNotFound(status: number, error: GraphError): boolean {
  return (
    status === 400 &&
    /EntitlementGrant/i.test(error.message) &&
    /not found|invalid resource identifier/i.test(error.message)
  );
}

async function scheduleExists(
  client: GraphClient,
  op: { kind: string; principalId: string; roleDefinitionId: string; directoryScopeId: string },
): Promise<boolean> {
  for await (const page of client.pages<{ principalId?: string; roleDefinitionId?: string; directoryScopeId?: string }>(
    `/roleManagement/directory/${op.kind === "removeRoleEligibility" ? "roleEligibilitySchedules" : "roleAssignmentSchedules"}`,
    {},
  )) {
    if (
      page.some(
        (e) =>
          e.principalId === op.principalId &&
          e.roleDefinitionId === op.roleDefinitionId &&
          (e.directoryScopeId ?? "/") === op.directoryScopeId,
      )
    )
      return true;
  }
  return false;
}

async function groupEligibilityExists(
  client: GraphClient,
  op: { groupId: string; principalId: string; accessId: string },
): Promise<boolean> {
  for await (const page of client.pages<{ principalId?: string; accessId?: string }>(
    "/identityGovernance/privilegedAccess/group/eligibilitySchedules",
    // No $top: the list documents $select, $filter and $expand only (privilegedaccessgroup-list-eligibilityschedules).
    { filter: `groupId eq '${op.groupId.replace(/'/g, "''")}'` },
  )) {
    if (page.some((e) => e.principalId === op.principalId && e.accessId === op.accessId)) return true;
  }
  return false;
}

async function appRoleAssignmentExists(
  client: GraphClient,
  op: { servicePrincipalId: string; assignmentId: string },
): Promise<boolean> {
  for await (const page of client.pages<{ id?: string }>(
    `/servicePrincipals/${enc(op.servicePrincipalId)}/appRoleAssignedTo`,
    { select: ["id"], top: 999 },
  )) {
    if (page.some((a) => a.id === op.assignmentId)) return true;
  }
  return false;
}

/** Group kinds whose membership only Exchange Online can change: Graph answers 400 to a member removal. */
export const EXCHANGE_KINDS = ["mailSecurity", "distribution"];

/** What an admin runs in Exchange Online PowerShell instead (ids only: nothing from names is pasted into a shell). */
export function exchangeCommand(groupId: string, memberId: string): string {
  return `Remove-DistributionGroupMember -Identity ${groupId} -Member ${memberId} -BypassSecurityGroupManagerCheck -Confirm:$false`;
}

/** Why a removal was left to Exchange, with the command: what campaign items and expiry results record. */
export function exchangeRemovalNote(groupId: string, memberId: string): string {
  return `Graph cannot change the members of a mail-enabled security group or distribution list. Remove this member in Exchange Online; the next sync that no longer sees the membership marks it removed. ${exchangeCommand(groupId, memberId)}`;
}

/**
 * Where a group's membership is changed. A group Entra Connect syncs from Active Directory (onPremisesSyncEnabled)
 * is mastered there: Graph answers 400 "Unable to update the specified properties for on-premises mastered Directory
 * Sync objects…" (microsoft-graph-docs#7301), and a change made in the cloud would be overwritten by the next sync
 * anyway. A synced distribution list is AD's too. Otherwise Exchange owns mail-enabled security groups and
 * distribution lists, and Graph the rest.
 */
export type MembershipAuthority = "graph" | "exchange" | "activeDirectory";

export function membershipAuthority(g: { kind: string; onPremisesSyncEnabled: boolean }): MembershipAuthority {
  if (g.onPremisesSyncEnabled) return "activeDirectory";
  return EXCHANGE_KINDS.includes(g.kind) ? "exchange" : "graph";
}

/** An object by its Entra id and, when synced from AD, its on-premises SID (onPremisesSecurityIdentifier). */
export interface AdRef {
  id: string;
  sid?: string | null;
  /** A member can be a nested group as well as a user. */
  kind?: "user" | "group";
}

const SID = /^S-1-\d+(-\d+)+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How an AD command names an object: its SID, which Entra Connect syncs and the AD cmdlets take as -Identity.
 * Ids only: a SID is pasted only when it has a SID's shape; before a sync has read it, it is looked up from Graph
 * by the Entra id at run time (needs the Microsoft.Graph module).
 */
function adIdentity(o: AdRef, kind: "group" | "user"): string {
  if (o.sid && SID.test(o.sid)) return o.sid;
  // Entra object ids are GUIDs; anything else is refused rather than pasted into a shell.
  if (!GUID.test(o.id)) throw new Error(`Not an Entra object id: ${JSON.stringify(o.id.slice(0, 40))}`);
  return kind === "group"
    ? `(Get-MgGroup -GroupId ${o.id} -Property onPremisesSecurityIdentifier).OnPremisesSecurityIdentifier`
    : `(Get-MgUser -UserId ${o.id} -Property onPremisesSecurityIdentifier).OnPremisesSecurityIdentifier`;
}

/** What an admin runs with the ActiveDirectory module to remove a member of a synced group. */
export function activeDirectoryCommand(group: AdRef, member: AdRef): string {
  return `Remove-ADGroupMember -Identity ${adIdentity(group, "group")} -Members ${adIdentity(member, member.kind ?? "user")} -Confirm:$false`;
}

/** What an admin runs to end the sign-in of a user synced from AD (a cloud block would be refused, and undone). */
export function disableAdAccountCommand(user: AdRef): string {
  return `Disable-ADAccount -Identity ${adIdentity(user, "user")}`;
}

/** A removal Recert cannot make through Graph: where it is made, the command, and the note items record. */
export function manualRemoval(
  authority: MembershipAuthority,
  group: AdRef,
  member: AdRef,
): { where: string; command: string; note: string } | null {
  if (authority === "exchange")
    return {
      where: "Exchange Online",
      command: exchangeCommand(group.id, member.id),
      note: exchangeRemovalNote(group.id, member.id),
    };
  if (authority === "activeDirectory") {
    const command = activeDirectoryCommand(group, member);
    return {
      where: "Active Directory",
      command,
      note: `This group is synced from Active Directory: Graph cannot change its members, and Entra Connect would undo a change made in the cloud. Remove this member in Active Directory; the next sync that no longer sees the membership marks it removed. ${command}`,
    };
  }
  return null;
}
