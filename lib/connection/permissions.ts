/**
 * What Recert needs from Microsoft Graph, and every application permission Graph accepts for each need. Graph
 * documents each API's permissions "from least to most privileged"; a tenant that consented a higher one (say
 * Directory.Read.All instead of GroupMember.Read.All) can sync, so it must not be reported as missing. The first
 * permission of each list is the least privileged one, which the README asks for. Sources (Microsoft Graph v1.0
 * API reference, the "Permissions" table of each page):
 *   organization-list, user-delta, user-list (signInActivity), authenticationmethodsroot-list-userregistrationdetails,
 *   group-delta, rbacapplication-list-roledefinitions / -roleassignments, serviceprincipal-list and
 *   -list-approleassignedto, conditionalaccessroot-list-policies, group-delete-members,
 *   unifiedroleassignment-delete, serviceprincipal-delete-approleassignedto, user-update.
 */
export interface PermissionNeed {
  /** What it is used for, in the words Settings shows. */
  usedFor: string;
  /** Accepted application permissions, least privileged first. */
  accepts: readonly string[];
  /** A write (revocations, blocking sign-in): the write app's business, never a reason to pause syncs. */
  write: boolean;
  /** A read the sync skips without (and says so in its manifest): reported, never a reason to pause syncs. */
  optional?: boolean;
}

export const PERMISSION_NEEDS: readonly PermissionNeed[] = [
  {
    usedFor: "tenant name and domains",
    accepts: ["Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"],
    write: false,
  },
  {
    usedFor: "users, guests, managers and sponsors",
    accepts: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    write: false,
  },
  { usedFor: "sign-in activity and MFA registration details", accepts: ["AuditLog.Read.All"], write: false },
  {
    usedFor: "groups, members and owners",
    accepts: [
      "GroupMember.Read.All",
      "Group.Read.All",
      "Directory.Read.All",
      "GroupMember.ReadWrite.All",
      "Group.ReadWrite.All",
      "Directory.ReadWrite.All",
    ],
    write: false,
  },
  {
    usedFor: "directory roles and their assignments",
    accepts: [
      "RoleManagement.Read.Directory",
      "Directory.Read.All",
      "RoleManagement.ReadWrite.Directory",
      "Directory.ReadWrite.All",
    ],
    write: false,
  },
  {
    usedFor: "enterprise apps and app role assignments",
    accepts: ["Application.Read.All", "Directory.Read.All", "Application.ReadWrite.All", "Directory.ReadWrite.All"],
    write: false,
  },
  {
    usedFor: "conditional-access policies",
    accepts: ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"],
    write: false,
  },
  // PIM for Groups (#19): privilegedaccessgroup-list-eligibilityschedules / -assignmentschedules. No Group or Directory
  // permission serves them; without them (or without P2) the sync skips PIM for Groups.
  {
    usedFor: "eligible members and owners of role-assignable groups (PIM for Groups)",
    accepts: [
      "PrivilegedEligibilitySchedule.Read.AzureADGroup",
      "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
    ],
    write: false,
    optional: true,
  },
  {
    usedFor: "time-bound members and owners of role-assignable groups (PIM for Groups)",
    accepts: ["PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"],
    write: false,
    optional: true,
  },
  {
    usedFor: "removing revoked group members",
    accepts: ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"],
    write: true,
  },
  { usedFor: "removing revoked role assignments", accepts: ["RoleManagement.ReadWrite.Directory"], write: true },
  { usedFor: "removing revoked app assignments", accepts: ["AppRoleAssignment.ReadWrite.All"], write: true },
  // privilegedaccessgroup-post-eligibilityschedulerequests (adminRemove). The write app also reads a group's
  // eligibilities (PrivilegedEligibilitySchedule.Read.AzureADGroup) to confirm PIM's "nothing to remove", as it reads
  // apps' assignments with Application.Read.All; a read is not listed here (it is no write on the read app).
  {
    usedFor: "removing revoked eligible group members (PIM for Groups)",
    accepts: [
      "PrivilegedEligibilitySchedule.Remove.AzureADGroup",
      "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
    ],
    write: true,
  },
  {
    usedFor: "blocking sign-in when access expires",
    accepts: ["User.EnableDisableAccount.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
    write: true,
  },
];

export interface PermissionStatus {
  /** The least privileged permission that serves the need (what the README asks for). */
  name: string;
  usedFor: string;
  /** null: not known (the token could not be read; the probes decide). */
  granted: boolean | null;
  /** The consented permission that serves it, when it is not the least privileged one. */
  via?: string;
}

/** Which app a need belongs to: the read app syncs, the write app revokes and blocks. */
export const needsOf = (app: "read" | "write"): readonly PermissionNeed[] =>
  PERMISSION_NEEDS.filter((n) => n.write === (app === "write"));

/**
 * Permissions that change the tenant: every accepted permission of a write need, plus any *.ReadWrite.* one. On the
 * read app (which may be the sign-in app) each is a right the web server should not hold.
 */
export function writePermissionsIn(roles: ReadonlySet<string>): string[] {
  const write = new Set(needsOf("write").flatMap((n) => n.accepts));
  return [...roles].filter((r) => write.has(r) || /\.ReadWrite\b|\.EnableDisableAccount\./.test(r)).sort();
}

/** Each need of one app against the `roles` its token carries (null when the token's roles could not be read). */
export function permissionStatus(roles: ReadonlySet<string> | null, app: "read" | "write"): PermissionStatus[] {
  return needsOf(app).map((n) => {
    const name = n.accepts[0]!;
    if (!roles) return { name, usedFor: n.usedFor, granted: null };
    const found = n.accepts.find((p) => roles.has(p));
    return { name, usedFor: n.usedFor, granted: Boolean(found), ...(found && found !== name ? { via: found } : {}) };
  });
}
