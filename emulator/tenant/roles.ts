import type * as MSGraph from "@microsoft/microsoft-graph-types";

export const ROLE = {
  globalAdmin: "62e90394-69f5-4237-9190-012177145e10",
  userAdmin: "fe930be7-5e62-47db-91af-98c3a49a38b1",
  securityAdmin: "194ae4cb-b126-40b2-bd5b-6091b380977d",
  caAdmin: "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
  securityReader: "5d6b6bb7-de71-4623-b4af-96380a352509",
  globalReader: "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
  helpdeskAdmin: "729827e3-9c14-49f7-bb1b-9608f156bbb8",
  appAdmin: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
} as const;

const DEFS: [string, string, string][] = [
  [
    ROLE.globalAdmin,
    "Global Administrator",
    "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
  ],
  [
    ROLE.userAdmin,
    "User Administrator",
    "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
  ],
  [
    ROLE.securityAdmin,
    "Security Administrator",
    "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
  ],
  [ROLE.caAdmin, "Conditional Access Administrator", "Can manage Conditional Access capabilities."],
  [
    ROLE.securityReader,
    "Security Reader",
    "Can read security information and reports in Microsoft Entra ID and Office 365.",
  ],
  [ROLE.globalReader, "Global Reader", "Can read everything that a Global Administrator can, but not update anything."],
  [
    ROLE.helpdeskAdmin,
    "Helpdesk Administrator",
    "Can reset passwords for non-administrators and Helpdesk Administrators.",
  ],
  [
    ROLE.appAdmin,
    "Application Administrator",
    "Can create and manage all aspects of app registrations and enterprise apps.",
  ],
];

export function roleDefinitions(): MSGraph.UnifiedRoleDefinition[] {
  return DEFS.map(([id, displayName, description]) => ({
    id,
    templateId: id,
    displayName,
    description,
    isBuiltIn: true,
    isEnabled: true,
    resourceScopes: ["/"],
    version: "1",
    rolePermissions: [],
  }));
}

/** Graph application permissions Recert needs (DESIGN.md), with their real app role ids on Microsoft Graph. */
export const GRAPH_PERMISSIONS: Record<string, string> = {
  "Organization.Read.All": "498476ce-e0fe-48b0-b801-37ba7e2685c6",
  "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
  "User.ReadWrite.All": "741f803b-c850-494e-b5df-cde7c675a1ca",
  "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
  "AuditLog.Read.All": "b0afded3-3588-46d8-8b3d-9842eff778da",
  "GroupMember.Read.All": "98830695-27a2-44f7-8c18-0c3ebc9698f6",
  "GroupMember.ReadWrite.All": "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
  "Group.Read.All": "5b567255-7703-4780-807c-7be8301ae99b",
  "RoleManagement.Read.Directory": "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
  "RoleManagement.ReadWrite.Directory": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
  "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
  "AppRoleAssignment.ReadWrite.All": "06b708a9-e830-4db3-a914-8e69da51d44f",
  "Policy.Read.All": "246dd0d5-5bd0-4def-940b-0421030a5b68",
  "User.EnableDisableAccount.All": "3011c876-62b7-4ada-afa2-506cbbecc68c",
  "Mail.Send": "b633e1c5-b582-4048-a93e-9f11b44c7e96",
  // PIM for Groups (#19), ids as Microsoft Graph's service principal publishes them (graphpermissions.merill.net).
  "PrivilegedEligibilitySchedule.Read.AzureADGroup": "edb419d6-7edc-42a3-9345-509bfdf5d87c",
  "PrivilegedAssignmentSchedule.Read.AzureADGroup": "cd4161cb-f098-48f8-a884-1eda9a42434c",
  "PrivilegedEligibilitySchedule.Remove.AzureADGroup": "55745561-7572-4314-a737-a2c2a1b0dd2e",
  "PrivilegedAssignmentSchedule.Remove.AzureADGroup": "55d1104b-3821-413d-b3ca-e2393d333cd3",
};

/** What the sign-in (and read) app is consented: reads only, as the README asks (#16, least privilege). */
export const RECERT_GRAPH_PERMISSIONS = [
  "Organization.Read.All",
  "User.Read.All",
  "AuditLog.Read.All",
  "GroupMember.Read.All",
  "RoleManagement.Read.Directory",
  "Application.Read.All",
  "Policy.Read.All",
  "PrivilegedEligibilitySchedule.Read.AzureADGroup",
  "PrivilegedAssignmentSchedule.Read.AzureADGroup",
];

/**
 * The write app's: the four writes, and Application.Read.All to read a resource's assignments when Graph's answer
 * to a delete is ambiguous (lib/graph/writes.ts, EntitlementGrant).
 */
export const RECERT_WRITE_PERMISSIONS = [
  "GroupMember.ReadWrite.All",
  "RoleManagement.ReadWrite.Directory",
  "AppRoleAssignment.ReadWrite.All",
  "User.EnableDisableAccount.All",
  "Application.Read.All",
  // Notices by mail (#18): the scheduler sends them with the write app, which page requests never hold.
  "Mail.Send",
  // PIM for Groups (#19): removal, and the read that confirms "nothing to remove".
  "PrivilegedEligibilitySchedule.Remove.AzureADGroup",
  "PrivilegedEligibilitySchedule.Read.AzureADGroup",
];
