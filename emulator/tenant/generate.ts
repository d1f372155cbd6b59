import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { Rng } from "../random";
import {
  type EApplication,
  indexTenant,
  type EApp,
  type EAppRoleAssignment,
  type EGroup,
  type EGroupSchedule,
  type ERoleEligibility,
  type EServicePrincipal,
  type EUser,
  type MfaInfo,
  type Tenant,
} from "./model";
import { GRAPH_PERMISSIONS, RECERT_GRAPH_PERMISSIONS, ROLE, roleDefinitions } from "./roles";
import { onPremisesIdsFor } from "./mutate";

export interface GenerateOptions {
  seed: number | string;
  users: number;
  tenantId: string;
  /** Reference instant for sign-in and creation dates; default today (UTC midnight). */
  now?: Date;
  recertClientId: string;
  recertClientSecret: string;
  recertAppIdUri: string;
  redirectUris: string[];
  password: string;
  grcClientId?: string;
  grcClientSecret?: string;
  /**
   * Share (0..1) of employees and of plain security groups synced from on-premises AD by Entra Connect, as in
   * most enterprises. 0 (the default, which the tests use) keeps the tenant cloud-only; `npm run demo` uses 0.3.
   */
  onPremisesShare?: number;
}

export const DOMAIN = "contoso.onmicrosoft.com";
export const RECERT_ROLE_ADMIN = "a1d7c6e2-7b1f-4c3e-9f5a-1e2d3c4b5a60";
export const RECERT_ROLE_AUDITOR = "b2e8d7f3-8c2a-4d4f-8a6b-2f3e4d5c6b71";
export const GRC_CLIENT_ID = "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a";
export const GRC_CLIENT_SECRET = "grc-demo-client-secret";
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000";

const FIRST = [
  "Adele",
  "Alex",
  "Allan",
  "Ben",
  "Bianca",
  "Carlos",
  "Chen",
  "Christie",
  "Dana",
  "Debra",
  "Diego",
  "Elena",
  "Emily",
  "Enrico",
  "Fatima",
  "Grady",
  "Hana",
  "Henrietta",
  "Irvin",
  "Isaiah",
  "Jamal",
  "Johanna",
  "Joni",
  "Kenji",
  "Lee",
  "Lidia",
  "Lynne",
  "Maria",
  "Megan",
  "Miriam",
  "Nestor",
  "Nina",
  "Omar",
  "Patti",
  "Pradeep",
  "Priya",
  "Raul",
  "Rosa",
  "Sakura",
  "Samir",
  "Sofia",
  "Tomas",
  "Uma",
  "Victor",
  "Wei",
  "Yara",
  "Yusuf",
  "Zoe",
];
const LAST = [
  "Vance",
  "Wilber",
  "Deyoung",
  "Nguyen",
  "Patel",
  "Garcia",
  "Kim",
  "Sherman",
  "Rossi",
  "Berg",
  "Holt",
  "Schmidt",
  "Tanaka",
  "Okafor",
  "Haddad",
  "Archer",
  "Lindqvist",
  "Moreau",
  "Ivanova",
  "Costa",
  "Fischer",
  "Mensah",
  "Novak",
  "Larsen",
  "Silva",
  "Cohen",
  "Brennan",
  "Yamamoto",
  "Ahmed",
  "Kowalski",
  "Dubois",
  "Reyes",
  "Nakamura",
  "Olsen",
  "Murphy",
  "Chandra",
  "Weber",
  "Lopez",
  "Kaur",
  "Andersen",
];
const DEPARTMENTS = [
  "Engineering",
  "Sales",
  "Marketing",
  "Finance",
  "Human Resources",
  "IT",
  "Legal",
  "Operations",
  "Support",
  "Product",
];
const TITLES: Record<string, string[]> = {
  Engineering: [
    "Software Engineer",
    "Senior Software Engineer",
    "Engineering Manager",
    "Site Reliability Engineer",
    "QA Engineer",
  ],
  Sales: ["Account Executive", "Sales Manager", "Sales Development Rep", "Solutions Consultant"],
  Marketing: ["Marketing Manager", "Content Strategist", "Product Marketing Manager", "Designer"],
  Finance: ["Accountant", "Financial Analyst", "Controller", "Payroll Specialist"],
  "Human Resources": ["HR Business Partner", "Recruiter", "HR Manager"],
  IT: ["IT Administrator", "Systems Engineer", "Security Analyst", "Helpdesk Technician"],
  Legal: ["Counsel", "Paralegal", "Compliance Officer"],
  Operations: ["Operations Manager", "Facilities Coordinator", "Procurement Specialist"],
  Support: ["Support Engineer", "Support Manager", "Customer Success Manager"],
  Product: ["Product Manager", "UX Researcher", "Product Owner"],
};
const OFFICES = ["Seattle", "Redmond", "London", "Munich", "Singapore", "Toronto", "Sydney"];
const PARTNERS = [
  { company: "Fabrikam", domain: "fabrikam.com" },
  { company: "Northwind Traders", domain: "northwindtraders.com" },
  { company: "Litware", domain: "litware.com" },
  { company: "Adatum", domain: "adatum.com" },
  { company: "Tailspin Toys", domain: "tailspintoys.com" },
  { company: "Woodgrove Bank", domain: "woodgrovebank.com" },
];
const APPS: { name: string; roles: string[] }[] = [
  { name: "Salesforce", roles: ["Standard User", "Sales Admin", "Read Only"] },
  { name: "ServiceNow", roles: ["ITIL", "Admin"] },
  { name: "Workday", roles: ["Employee", "HR Partner", "Payroll Admin"] },
  { name: "GitHub Enterprise", roles: ["Member", "Owner"] },
  { name: "Slack", roles: [] },
  { name: "AWS IAM Identity Center", roles: ["ReadOnly", "PowerUser", "Administrator"] },
  { name: "Zoom", roles: [] },
  { name: "Atlassian Cloud", roles: ["User", "Site Admin"] },
];
const STRONG_METHODS = [
  "microsoftAuthenticatorPush",
  "microsoftAuthenticatorPasswordless",
  "fido2SecurityKey",
  "windowsHelloForBusiness",
  "passKeyDeviceBound",
  "passKeySynced",
  "softwareOneTimePasscode",
  "hardwareOneTimePasscode",
];
const WEAK_METHODS = ["mobilePhone", "alternateMobilePhone", "officePhone", "email"];

const DAY = 86_400_000;

/**
 * Marks a share of employees and plain security groups as synced from AD, with a separate random stream so the
 * rest of the tenant is identical whatever the share. Never the named demo accounts, the break-glass accounts or
 * their group, guests, or groups AD cannot master (dynamic, Microsoft 365, role-assignable: cloud-only in Entra).
 */
function markOnPremises(o: GenerateOptions, users: EUser[], groups: EGroup[], named: EUser[], breakGlassGroup: EGroup) {
  const share = o.onPremisesShare ?? 0;
  if (share <= 0) return;
  const rng = new Rng(`${o.seed}:${o.users}:on-premises`);
  const skip = new Set(named.map((u) => u.id));
  let rid = 0;
  for (const u of users)
    if (u.userType === "Member" && !skip.has(u.id) && rng.chance(share))
      u.onPremises = onPremisesIdsFor(u.id, u.userPrincipalName.split("@")[0]!, rid++);
  for (const g of groups) {
    const plain =
      g.id !== breakGlassGroup.id &&
      !g.isAssignableToRole &&
      !g.groupTypes.includes("DynamicMembership") &&
      !g.groupTypes.includes("Unified");
    if (plain && rng.chance(share)) {
      g.onPremisesSyncEnabled = true;
      g.onPremises = onPremisesIdsFor(g.id, g.mailNickname, rid++);
    }
  }
}

export function generateTenant(o: GenerateOptions): Tenant {
  const rng = new Rng(`${o.seed}:${o.users}`);
  const now = o.now ?? new Date(Math.floor(Date.now() / DAY) * DAY);
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const daysAgo = (d: number) => iso(now.getTime() - d * DAY - rng.int(0, DAY - 1));
  const n = Math.max(40, Math.floor(o.users));

  const users: EUser[] = [];
  const usedUpns = new Set<string>();
  const upnFor = (first: string, last: string) => {
    const base = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "");
    let upn = `${base}@${DOMAIN}`;
    for (let k = 2; usedUpns.has(upn); k++) upn = `${base}${k}@${DOMAIN}`;
    usedUpns.add(upn);
    return upn;
  };

  const signIn = (kind: "never" | "inactive" | "stale" | "active"): MSGraph.SignInActivity | null => {
    if (kind === "never") return null;
    const days = kind === "inactive" ? rng.int(91, 400) : kind === "stale" ? rng.int(31, 90) : rng.int(0, 29);
    const last = daysAgo(days);
    const nonInteractive = rng.chance(0.8) ? daysAgo(Math.max(0, days - rng.int(0, 5))) : null;
    return {
      lastSignInDateTime: last,
      lastSignInRequestId: rng.guid(),
      lastNonInteractiveSignInDateTime: nonInteractive,
      lastNonInteractiveSignInRequestId: nonInteractive ? rng.guid() : null,
      lastSuccessfulSignInDateTime: rng.chance(0.95) ? last : daysAgo(days + rng.int(1, 20)),
      lastSuccessfulSignInRequestId: rng.guid(),
    };
  };
  const activityKind = (): "never" | "inactive" | "stale" | "active" => {
    const r = rng.float();
    return r < 0.08 ? "never" : r < 0.2 ? "inactive" : r < 0.28 ? "stale" : "active";
  };

  const mfaFor = (enabled: boolean, forceRegistered?: boolean): MfaInfo | null => {
    if (!enabled) return null;
    const registered = forceRegistered ?? rng.chance(0.8);
    const methods = new Set<string>();
    if (registered) {
      methods.add(rng.chance(0.75) ? "microsoftAuthenticatorPush" : rng.pick(STRONG_METHODS));
      if (rng.chance(0.35)) methods.add(rng.pick(STRONG_METHODS));
      if (rng.chance(0.5)) methods.add(rng.pick(WEAK_METHODS));
    } else if (rng.chance(0.3)) {
      methods.add("email");
    }
    const list = [...methods];
    const passwordless = list.some((m) =>
      [
        "microsoftAuthenticatorPasswordless",
        "fido2SecurityKey",
        "windowsHelloForBusiness",
        "passKeyDeviceBound",
        "passKeySynced",
      ].includes(m),
    );
    const sspr = list.length > 0;
    return {
      isMfaRegistered: registered,
      isMfaCapable: registered,
      isPasswordlessCapable: passwordless,
      isSsprRegistered: sspr,
      isSsprEnabled: true,
      isSsprCapable: sspr,
      methodsRegistered: list,
      // Graph's userDefaultAuthenticationMethod enum has "none" for no preference, never an empty string.
      userPreferredMethodForSecondaryAuthentication: registered
        ? list.includes("microsoftAuthenticatorPush")
          ? "push"
          : rng.chance(0.5)
            ? "oath"
            : "none"
        : "none",
      systemPreferredAuthenticationMethods: registered ? [list.includes("fido2SecurityKey") ? "Fido2" : "push"] : [],
      lastUpdatedDateTime: daysAgo(rng.int(1, 500)),
    };
  };

  const makeMember = (first: string, last: string, dept: string, opts: Partial<EUser> = {}): EUser => {
    const upn = opts.userPrincipalName ?? upnFor(first, last);
    const enabled = opts.accountEnabled ?? !rng.chance(0.03);
    return {
      id: rng.guid(),
      displayName: `${first} ${last}`,
      givenName: first,
      surname: last,
      userPrincipalName: upn,
      mail: upn,
      jobTitle: rng.pick(TITLES[dept] ?? ["Specialist"]),
      department: dept,
      companyName: "Contoso",
      employeeType: rng.chance(0.92) ? "Employee" : "Contractor",
      officeLocation: rng.pick(OFFICES),
      mobilePhone: null,
      businessPhones: [`+1 425 555 ${String(rng.int(100, 9999)).padStart(4, "0")}`],
      preferredLanguage: "en-US",
      userType: "Member",
      accountEnabled: enabled,
      externalUserState: null,
      externalUserStateChangeDateTime: null,
      creationType: null,
      createdDateTime: daysAgo(rng.int(30, 2500)),
      signInActivity: signIn(enabled ? activityKind() : rng.chance(0.5) ? "inactive" : "never"),
      managerId: null,
      sponsorIds: [],
      mfa: null,
      ...opts,
    };
  };

  // Well-known accounts first, so their ids are stable whatever the size.
  const ceo = makeMember("Lynne", "Robbins", "Operations", {
    jobTitle: "Chief Executive Officer",
    userPrincipalName: `lynne.robbins@${DOMAIN}`,
    accountEnabled: true,
  });
  const admin = makeMember("Adele", "Vance", "IT", {
    jobTitle: "IT Director",
    userPrincipalName: `admin@${DOMAIN}`,
    accountEnabled: true,
    signInActivity: signIn("active"),
  });
  const auditor = makeMember("Irvin", "Sayers", "Legal", {
    jobTitle: "Internal Auditor",
    userPrincipalName: `auditor@${DOMAIN}`,
    accountEnabled: true,
    signInActivity: signIn("active"),
  });
  const reviewer = makeMember("Megan", "Bowen", "Engineering", {
    jobTitle: "Engineering Manager",
    userPrincipalName: `reviewer@${DOMAIN}`,
    accountEnabled: true,
    signInActivity: signIn("active"),
  });
  const breakGlass1 = makeMember("Emergency", "Access 1", "IT", {
    displayName: "Emergency Access 1",
    userPrincipalName: `breakglass1@${DOMAIN}`,
    accountEnabled: true,
    jobTitle: null,
    signInActivity: null,
  });
  const breakGlass2 = makeMember("Emergency", "Access 2", "IT", {
    displayName: "Emergency Access 2",
    userPrincipalName: `breakglass2@${DOMAIN}`,
    accountEnabled: true,
    jobTitle: null,
    signInActivity: null,
  });
  for (const u of [ceo, admin, auditor, reviewer, breakGlass1, breakGlass2]) usedUpns.add(u.userPrincipalName);
  admin.managerId = ceo.id;
  auditor.managerId = ceo.id;
  reviewer.managerId = ceo.id;
  users.push(ceo, admin, auditor, reviewer, breakGlass1, breakGlass2);

  const guestCount = Math.round(n * 0.1);
  const memberCount = n - guestCount - users.length;
  const members: EUser[] = [ceo, admin, auditor, reviewer];
  const deptHeads = new Map<string, EUser>();
  for (let i = 0; i < memberCount; i++) {
    const dept = DEPARTMENTS[i % DEPARTMENTS.length] ?? "Engineering";
    const u = makeMember(rng.pick(FIRST), rng.pick(LAST), dept);
    // A tree: department heads report to the CEO, everyone else to someone earlier in the same department.
    const head = deptHeads.get(dept);
    if (!head) {
      deptHeads.set(dept, u);
      u.managerId = ceo.id;
      u.jobTitle = `Head of ${dept}`;
      u.accountEnabled = true;
    } else if (dept === "Engineering" && i < 200 && rng.chance(0.5)) {
      u.managerId = reviewer.id;
    } else {
      const peers = members;
      const start = Math.max(0, peers.length - 60);
      let mgr = peers[rng.int(start, peers.length - 1)];
      if (!mgr || mgr.department !== dept) mgr = head;
      u.managerId = mgr.accountEnabled ? mgr.id : head.id;
    }
    if (rng.chance(0.02)) u.managerId = null; // no manager recorded
    users.push(u);
    members.push(u);
  }
  for (const u of users) u.mfa = mfaFor(u.accountEnabled);
  for (const u of [admin, auditor, reviewer, ceo]) u.mfa = mfaFor(true, true);
  breakGlass1.mfa = mfaFor(true, false);
  breakGlass2.mfa = mfaFor(true, true);

  const sponsorsPool = members.filter((m) => m.accountEnabled && m.id !== ceo.id);
  const guests: EUser[] = [];
  for (let i = 0; i < guestCount; i++) {
    const partner = rng.pick(PARTNERS);
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const local = `${first}.${last}`.toLowerCase();
    let upn = `${local}_${partner.domain}#EXT#@${DOMAIN}`;
    for (let k = 2; usedUpns.has(upn.toLowerCase()); k++) upn = `${local}${k}_${partner.domain}#EXT#@${DOMAIN}`;
    usedUpns.add(upn.toLowerCase());
    const pending = rng.chance(0.25);
    const created = rng.int(pending ? 5 : 20, 900);
    const enabled = !rng.chance(0.03);
    const g: EUser = {
      id: rng.guid(),
      displayName: `${first} ${last} (${partner.company})`,
      givenName: first,
      surname: last,
      userPrincipalName: upn,
      mail: `${upn.split("_")[0]}@${partner.domain}`,
      jobTitle: rng.chance(0.5) ? "Consultant" : null,
      department: null,
      companyName: partner.company,
      employeeType: rng.chance(0.7) ? "Contractor" : null,
      officeLocation: null,
      mobilePhone: null,
      businessPhones: [],
      preferredLanguage: null,
      userType: "Guest",
      accountEnabled: enabled,
      externalUserState: pending ? "PendingAcceptance" : "Accepted",
      externalUserStateChangeDateTime: daysAgo(pending ? created : Math.max(0, created - rng.int(0, 10))),
      creationType: "Invitation",
      createdDateTime: daysAgo(created),
      signInActivity: pending ? null : signIn(rng.chance(0.3) ? "inactive" : activityKind()),
      managerId: null,
      sponsorIds: [],
      mfa: null,
    };
    g.mfa = mfaFor(enabled, enabled ? rng.chance(0.6) : undefined);
    if (!rng.chance(0.15)) {
      const s = new Set<string>([rng.pick(sponsorsPool).id]);
      if (rng.chance(0.25)) s.add(rng.pick(sponsorsPool).id);
      g.sponsorIds = [...s];
    }
    guests.push(g);
    users.push(g);
  }

  const { groups, breakGlassGroup, helpdesk, deptGroups, regular } = generateGroups({
    admin,
    breakGlass1,
    breakGlass2,
    daysAgo,
    deptHeads,
    guests,
    members,
    n,
    reviewer,
    rng,
  });

  const { roleAssignments } = assignDirectoryRoles({
    admin,
    auditor,
    breakGlass1,
    breakGlass2,
    helpdesk,
    members,
    mfaFor,
    n,
    regular,
    rng,
  });

  const { servicePrincipals, appRoleAssignments, recertSp, grcSp } = generateApps({
    admin,
    auditor,
    daysAgo,
    guests,
    members,
    n,
    o,
    regular,
    rng,
  });

  const { policies, apps, organization } = conditionalAccess({
    breakGlassGroup,
    daysAgo,
    o,
    recertSp,
    rng,
    deptGroups,
    grcSp,
    servicePrincipals,
  });

  markOnPremises(o, users, groups, [ceo, admin, auditor, reviewer, breakGlass1, breakGlass2], breakGlassGroup);
  const roleEligibilities = privilegedSchedules(o, now, members, regular, roleAssignments, [
    admin.id,
    breakGlass1.id,
    breakGlass2.id,
  ]);
  const groupSchedules = pimForGroups(o, now, members, groups);
  const applications = privilegedApps(o, now, members, servicePrincipals, appRoleAssignments, roleAssignments, admin);

  return indexTenant({
    id: o.tenantId,
    domain: DOMAIN,
    organization,
    users,
    groups,
    roleDefinitions: roleDefinitions(),
    roleAssignments,
    roleEligibilities,
    groupSchedules,
    servicePrincipals,
    applications,
    appRoleAssignments,
    policies,
    apps,
    wellKnown: [
      { upn: admin.userPrincipalName, role: "Admin (Recert.Admin)" },
      { upn: auditor.userPrincipalName, role: "Auditor (Recert.Auditor)" },
      { upn: reviewer.userPrincipalName, role: "Reviewer: owns 5 groups, manages people" },
    ],
    password: o.password,
    userById: new Map(),
    userByUpn: new Map(),
    groupById: new Map(),
    spById: new Map(),
    changes: [],
    seq: 0,
  });
}

interface GenerateGroupsInput {
  admin: EUser;
  breakGlass1: EUser;
  breakGlass2: EUser;
  daysAgo: (d: number) => string;
  deptHeads: Map<string, EUser>;
  guests: EUser[];
  members: EUser[];
  n: number;
  reviewer: EUser;
  rng: Rng;
}

interface AssignDirectoryRolesInput {
  admin: EUser;
  auditor: EUser;
  breakGlass1: EUser;
  breakGlass2: EUser;
  helpdesk: EGroup;
  members: EUser[];
  mfaFor: (enabled: boolean, forceRegistered?: boolean) => MfaInfo | null;
  n: number;
  regular: EGroup[];
  rng: Rng;
}

interface GenerateAppsInput {
  admin: EUser;
  auditor: EUser;
  daysAgo: (d: number) => string;
  guests: EUser[];
  members: EUser[];
  n: number;
  o: GenerateOptions;
  regular: EGroup[];
  rng: Rng;
}

interface ConditionalAccessInput {
  breakGlassGroup: EGroup;
  daysAgo: (d: number) => string;
  o: GenerateOptions;
  recertSp: EServicePrincipal;
  rng: Rng;
  deptGroups: Map<string, EGroup>;
  grcSp: EServicePrincipal;
  servicePrincipals: EServicePrincipal[];
}

/** The groups: well-known ones (break glass, reviewer@'s, ownerless, per department), topic groups of every kind, and nesting without cycles. */
function generateGroups(v: GenerateGroupsInput) {
  const { admin, breakGlass1, breakGlass2, daysAgo, deptHeads, guests, members, n, reviewer, rng } = v;
  const groups: EGroup[] = [];
  const groupCount = Math.max(36, Math.round(n / 10));
  const perUser = n >= 5000 ? 10 : 5;
  const meanSize = Math.max(4, Math.round((n * perUser) / groupCount));
  const enabledMembers = members.filter((m) => m.accountEnabled);
  const nick = (s: string) => s.replace(/[^A-Za-z0-9]/g, "").slice(0, 40);
  const newGroup = (
    displayName: string,
    kind: "security" | "m365" | "roleAssignable" | "dynamic" | "mailSecurity" | "distribution",
    extra: Partial<EGroup> = {},
  ): EGroup => {
    const unified = kind === "m365";
    const mailEnabled = unified || kind === "mailSecurity" || kind === "distribution";
    const mailNickname = `${nick(displayName)}${groups.length}`;
    const g: EGroup = {
      id: rng.guid(),
      displayName,
      description: `${displayName} (${kind === "m365" ? "Microsoft 365" : kind === "distribution" ? "distribution list" : "security"} group)`,
      mail: mailEnabled ? `${mailNickname.toLowerCase()}@${DOMAIN}` : null,
      mailNickname,
      mailEnabled,
      securityEnabled: kind !== "m365" && kind !== "distribution",
      groupTypes: unified ? ["Unified"] : kind === "dynamic" ? ["DynamicMembership"] : [],
      isAssignableToRole: kind === "roleAssignable",
      membershipRule: null,
      membershipRuleProcessingState: null,
      visibility: unified ? (rng.chance(0.7) ? "Private" : "Public") : null,
      createdDateTime: daysAgo(rng.int(30, 2000)),
      members: new Set(),
      owners: new Set(),
      ...extra,
    };
    groups.push(g);
    return g;
  };
  const fill = (g: EGroup, size: number, pool: EUser[]) => {
    const target = Math.min(size, pool.length);
    for (let tries = 0; g.members.size < target && tries < target * 3; tries++)
      g.members.add(pool[rng.int(0, pool.length - 1)]!.id);
  };
  const ownersFor = (g: EGroup) => {
    const k = rng.int(1, 3);
    for (let j = 0; j < k; j++) g.owners.add(rng.pick(enabledMembers).id);
  };

  const breakGlassGroup = newGroup("Break Glass Accounts", "security", {
    description: "Emergency access accounts excluded from conditional access",
  });
  breakGlassGroup.members.add(breakGlass1.id).add(breakGlass2.id);
  breakGlassGroup.owners.add(admin.id);
  const helpdesk = newGroup("Helpdesk Admins", "roleAssignable");
  fill(
    helpdesk,
    4,
    members.filter((m) => m.department === "IT"),
  );
  helpdesk.owners.add(admin.id);
  const recertAdmins = newGroup("Recert Reviewers - Engineering", "security");
  // reviewer@ owns several groups, one of them with guests.
  const engPlatform = newGroup("Engineering - Platform", "security");
  fill(
    engPlatform,
    12,
    members.filter((m) => m.department === "Engineering"),
  );
  const partnerCollab = newGroup("Partner Collaboration", "m365");
  fill(
    partnerCollab,
    6,
    members.filter((m) => m.department === "Engineering"),
  );
  fill(partnerCollab, 6 + 8, guests);
  const prodAccess = newGroup("Production Access", "security");
  fill(
    prodAccess,
    10,
    members.filter((m) => m.department === "Engineering" || m.department === "IT"),
  );
  const ghAdmins = newGroup("GitHub Org Owners", "security");
  fill(
    ghAdmins,
    5,
    members.filter((m) => m.department === "Engineering"),
  );
  for (const g of [engPlatform, partnerCollab, prodAccess, ghAdmins, recertAdmins]) g.owners.add(reviewer.id);
  fill(recertAdmins, 3, members);
  engPlatform.members.add(reviewer.id);
  // Inactive and disabled people in reviewer's groups, so recommendations have something to say.
  for (const u of members.filter((m) => !m.accountEnabled || m.signInActivity === null).slice(0, 3))
    prodAccess.members.add(u.id);

  const deptGroups = new Map<string, EGroup>();
  for (const d of DEPARTMENTS) {
    const g = newGroup(`All ${d}`, "dynamic", {
      membershipRule: `user.department -eq "${d}"`,
      membershipRuleProcessingState: "On",
    });
    for (const m of members) if (m.department === d) g.members.add(m.id);
    g.owners.add(deptHeads.get(d)?.id ?? admin.id);
    deptGroups.set(d, g);
  }
  // Always at least one ownerless group: the finding reviews must route to fallback reviewers.
  const legacy = newGroup("Legacy File Share Access", "security", {
    description: "Created for the 2019 migration; owner left the company",
  });
  fill(legacy, 8, members);
  if (guests.length) legacy.members.add(guests[0]!.id);

  const topics = [
    "Project Phoenix",
    "Project Atlas",
    "Data Platform",
    "Security Champions",
    "Finance Reporting",
    "Sales EMEA",
    "Sales Americas",
    "Brand Team",
    "HR Confidential",
    "Legal Holds",
    "Office Seattle",
    "Office London",
    "VPN Users",
    "Wi-Fi Guests",
    "Contractors",
    "Payroll",
    "Board Materials",
    "Incident Response",
    "Customer Escalations",
    "Release Managers",
  ];
  const kinds: ("security" | "m365" | "roleAssignable" | "mailSecurity" | "distribution")[] = [];
  while (groups.length + kinds.length < groupCount) {
    const r = rng.float();
    kinds.push(
      r < 0.5
        ? "security"
        : r < 0.82
          ? "m365"
          : r < 0.88
            ? "roleAssignable"
            : r < 0.94
              ? "mailSecurity"
              : "distribution",
    );
  }
  const regular: EGroup[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i]!;
    const base = topics[i % topics.length]!;
    const name = i < topics.length ? base : `${base} ${Math.floor(i / topics.length) + 1}`;
    const g = newGroup(kind === "roleAssignable" ? `${name} Admins` : name, kind);
    const size = Math.max(1, Math.min(n, Math.round(-Math.log(1 - rng.float() * 0.999) * meanSize)));
    fill(g, size, members);
    if (kind === "m365" && rng.chance(0.4)) fill(g, g.members.size + rng.int(1, 5), guests);
    if (!rng.chance(0.08)) ownersFor(g);
    regular.push(g);
  }
  // Nesting: some security groups contain earlier groups (never a cycle).
  const security = regular.filter(
    (g) => g.securityEnabled && !g.mailEnabled && !g.groupTypes.includes("DynamicMembership"),
  );
  for (let i = 1; i < security.length; i++) {
    if (!rng.chance(0.15)) continue;
    const child = security[rng.int(0, i - 1)]!;
    security[i]!.members.add(child.id);
  }
  if (security.length > 2) prodAccess.members.add(security[0]!.id);

  return { groups, breakGlassGroup, helpdesk, deptGroups, regular };
}

/** Directory role assignments: a few admins per role (some without MFA), groups holding roles. */
function assignDirectoryRoles(v: AssignDirectoryRolesInput) {
  const { admin, auditor, breakGlass1, breakGlass2, helpdesk, members, mfaFor, n, regular, rng } = v;
  const roleAssignments: Tenant["roleAssignments"] = [];
  const assign = (roleDefinitionId: string, principalId: string) =>
    roleAssignments.push({ id: rng.opaqueId(24), principalId, roleDefinitionId, directoryScopeId: "/" });
  const itPeople = members.filter((m) => m.department === "IT" && m.accountEnabled && m.id !== admin.id);
  const extra = Math.floor(n / 2000);
  assign(ROLE.globalAdmin, breakGlass1.id);
  assign(ROLE.globalAdmin, breakGlass2.id);
  for (let i = 0; i < 2 + extra; i++) assign(ROLE.globalAdmin, rng.pick(itPeople).id);
  assign(ROLE.userAdmin, admin.id);
  for (let i = 0; i < 2 + extra; i++) assign(ROLE.userAdmin, rng.pick(itPeople).id);
  for (let i = 0; i < 2 + extra; i++) assign(ROLE.securityAdmin, rng.pick(itPeople).id);
  assign(ROLE.securityReader, auditor.id);
  assign(ROLE.securityReader, rng.pick(itPeople).id);
  assign(ROLE.caAdmin, rng.pick(itPeople).id);
  for (let i = 0; i < 2; i++) assign(ROLE.globalReader, rng.pick(members).id);
  assign(ROLE.appAdmin, rng.pick(itPeople).id);
  assign(ROLE.helpdeskAdmin, helpdesk.id);
  for (const g of regular.filter((x) => x.isAssignableToRole))
    assign(rng.pick([ROLE.helpdeskAdmin, ROLE.securityReader, ROLE.appAdmin]), g.id);
  // Some admins without MFA: the finding every dashboard must surface.
  const adminIds = new Set(roleAssignments.map((a) => a.principalId));
  let unprotected = 0;
  for (const u of itPeople) {
    if (adminIds.has(u.id) && unprotected < 2) {
      u.mfa = mfaFor(true, false);
      unprotected++;
    }
  }

  return { roleAssignments };
}

/**
 * PIM (#19), drawn from a random stream of its own so the rest of the tenant stays as it was: IT people eligible for
 * privileged roles (some until a date, some permanent, one of them disabled: an eligibility that outlived its
 * holder), a role-assignable group eligible for a role, and two active assignments that end at a date. The
 * well-known accounts and the break-glass accounts keep their permanent assignments.
 */
function privilegedSchedules(
  o: GenerateOptions,
  now: Date,
  members: EUser[],
  regular: EGroup[],
  roleAssignments: Tenant["roleAssignments"],
  keep: string[],
): ERoleEligibility[] {
  const rng = new Rng(`${o.seed}:${o.users}:pim`);
  const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString().replace(/\.\d{3}Z$/, "Z");
  const it = members.filter((m) => m.department === "IT" && !keep.includes(m.id));
  const eligibilities: ERoleEligibility[] = [];
  const eligible = (principalId: string, roleDefinitionId: string, endDays: number | null) => {
    if (eligibilities.some((e) => e.principalId === principalId && e.roleDefinitionId === roleDefinitionId)) return;
    const start = at(-rng.int(10, 400));
    eligibilities.push({
      id: rng.guid(),
      principalId,
      roleDefinitionId,
      directoryScopeId: "/",
      createdDateTime: start,
      startDateTime: start,
      endDateTime: endDays === null ? null : at(endDays),
    });
  };
  const enabled = it.filter((m) => m.accountEnabled);
  const extra = Math.floor(o.users / 2000);
  const roles = [ROLE.globalAdmin, ROLE.securityAdmin, ROLE.userAdmin, ROLE.caAdmin, ROLE.appAdmin];
  for (let i = 0; i < 4 + extra && enabled.length; i++)
    eligible(rng.pick(enabled).id, rng.pick(roles), rng.chance(0.5) ? rng.int(20, 365) : null);
  const disabled = it.find((m) => !m.accountEnabled);
  if (disabled) eligible(disabled.id, ROLE.globalAdmin, null);
  const group = regular.find((g) => g.isAssignableToRole);
  if (group) eligible(group.id, ROLE.securityReader, 180);
  // Two active assignments an admin gave until a date (not the well-known or break-glass accounts).
  let timeBound = 0;
  const people = new Set(it.map((m) => m.id));
  for (const a of roleAssignments) {
    if (timeBound >= 2 || !people.has(a.principalId)) continue;
    a.scheduleId = rng.guid();
    a.startDateTime = at(-rng.int(5, 60));
    a.endDateTime = at(timeBound === 0 ? 14 : 60);
    a.assignmentType = "Assigned";
    timeBound++;
  }
  return eligibilities;
}

/**
 * PIM for Groups (#19), from a random stream of its own: every role-assignable group is governed by PIM, as privileged
 * access groups usually are. Each gets people eligible to activate membership (some until a date, one of them a
 * disabled account when there is one), the first an eligible owner, and one current member whose membership an admin
 * made active until a date.
 */
function pimForGroups(o: GenerateOptions, now: Date, members: EUser[], groups: EGroup[]): EGroupSchedule[] {
  const rng = new Rng(`${o.seed}:${o.users}:pim-groups`);
  const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString().replace(/\.\d{3}Z$/, "Z");
  const it = members.filter((m) => m.department === "IT");
  const enabled = it.filter((m) => m.accountEnabled);
  const disabled = it.find((m) => !m.accountEnabled);
  const out: EGroupSchedule[] = [];
  const add = (
    kind: EGroupSchedule["kind"],
    g: EGroup,
    principalId: string,
    accessId: "member" | "owner",
    end: number | null,
  ) => {
    const start = at(-rng.int(5, 300));
    // Eligibility schedule ids read {groupId}_{accessId}_{request id} in Microsoft's examples
    // (privilegedaccessgroup-list-eligibilityschedules); assignment schedules' are GUIDs there.
    const guid = rng.guid();
    out.push({
      id: kind === "eligible" ? `${g.id}_${accessId}_${guid}` : guid,
      kind,
      groupId: g.id,
      principalId,
      accessId,
      createdDateTime: start,
      startDateTime: start,
      endDateTime: end === null ? null : at(end),
    });
  };
  const governed = groups.filter((g) => g.isAssignableToRole);
  for (const [n, g] of governed.entries()) {
    g.pimOnboarded = true;
    if (!enabled.length) continue;
    const taken = new Set<string>();
    for (let i = 0; i < 2 + (n % 2); i++) {
      const p = rng.pick(enabled).id;
      if (g.members.has(p) || taken.has(p)) continue;
      taken.add(p);
      add("eligible", g, p, "member", rng.chance(0.5) ? rng.int(30, 365) : null);
    }
    if (n === 0 && disabled && !g.members.has(disabled.id)) add("eligible", g, disabled.id, "member", null);
    if (n === 0) {
      const p = enabled.find((m) => !g.owners.has(m.id) && !taken.has(m.id));
      if (p) add("eligible", g, p.id, "owner", 90);
    }
    const current = [...g.members].find((id) => enabled.some((m) => m.id === id));
    if (current) add("active", g, current, "member", rng.int(10, 120));
    // The second governed group: one eligible person has activated membership for a few hours (a member now, until
    // the activation ends).
    const eligible = out.find((s) => s.groupId === g.id && s.kind === "eligible" && s.accessId === "member");
    if (n === 1 && eligible && enabled.some((m) => m.id === eligible.principalId)) {
      g.members.add(eligible.principalId);
      const start = new Date(now.getTime() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      out.push({
        id: rng.guid(),
        kind: "active",
        assignmentType: "Activated",
        groupId: g.id,
        principalId: eligible.principalId,
        accessId: "member",
        createdDateTime: start,
        startDateTime: start,
        endDateTime: new Date(now.getTime() + 3 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      });
    }
  }
  return out;
}

/**
 * Apps as principals (#19), from a random stream of their own: the enterprise apps get owners (IT people), and two
 * daemon apps hold Microsoft Graph application permissions (app role assignments on the Graph service principal, as
 * Entra records consented application permissions) — one of them also the User Administrator role, with two owners;
 * the other has no owner (its review goes to the fallback reviewers).
 */
function privilegedApps(
  o: GenerateOptions,
  now: Date,
  members: EUser[],
  servicePrincipals: EServicePrincipal[],
  appRoleAssignments: EAppRoleAssignment[],
  roleAssignments: Tenant["roleAssignments"],
  admin: EUser,
): EApplication[] {
  const rng = new Rng(`${o.seed}:${o.users}:privileged-apps`);
  // App registrations of this tenant (#19): Recert's own (owned by the admin), the GRC client's (no owner) and the two
  // daemons'. The gallery apps and Microsoft Graph are registered in their publishers' tenants: no registration here.
  const ids = new Rng(`${o.seed}:${o.users}:app-registrations`); // apart, so the owners drawn below stay as they were
  const registration = (sp: EServicePrincipal, owners: string[]): EApplication => ({
    id: ids.guid(),
    appId: sp.appId,
    displayName: sp.displayName,
    owners,
  });
  const applications = servicePrincipals
    .filter((p) => p.appId === o.recertClientId || p.appId === (o.grcClientId ?? GRC_CLIENT_ID))
    .map((p) => registration(p, p.appId === o.recertClientId ? [admin.id] : []));
  const it = members.filter((m) => m.department === "IT" && m.accountEnabled);
  if (!it.length) return applications;
  const graphSp = servicePrincipals.find((p) => p.appId === GRAPH_APP_ID)!;
  for (const sp of servicePrincipals)
    if (sp.tags.includes("WindowsAzureActiveDirectoryGalleryApplicationNonPrimaryV1"))
      sp.owners = [...new Set([rng.pick(it).id, ...(rng.chance(0.4) ? [rng.pick(it).id] : [])])];
  const at = (days: number) => new Date(now.getTime() - days * DAY).toISOString().replace(/\.\d{3}Z$/, "Z");
  const daemon = (displayName: string, owners: string[], permissions: string[]) => {
    const sp: EServicePrincipal = {
      id: rng.guid(),
      appId: rng.guid(),
      displayName,
      accountEnabled: true,
      appRoleAssignmentRequired: false,
      servicePrincipalType: "Application",
      tags: [],
      appRoles: [],
      owners,
    };
    servicePrincipals.push(sp);
    for (const p of permissions)
      appRoleAssignments.push({
        id: rng.opaqueId(),
        appRoleId: GRAPH_PERMISSIONS[p]!,
        principalId: sp.id,
        principalType: "ServicePrincipal",
        principalDisplayName: displayName,
        resourceId: graphSp.id,
        resourceDisplayName: graphSp.displayName,
        createdDateTime: at(rng.int(30, 900)),
      });
    return sp;
  };
  const owners = [...new Set([rng.pick(it).id, rng.pick(it).id])];
  const hr = daemon("HR Sync Daemon", owners, ["User.ReadWrite.All", "GroupMember.Read.All"]);
  // Its registration has an owner of its own besides one of the enterprise app's (both review it, each once).
  const other = it.find((m) => !owners.includes(m.id));
  applications.push(registration(hr, [owners[0]!, ...(other ? [other.id] : [])]));
  roleAssignments.push({
    id: rng.opaqueId(24),
    principalId: hr.id,
    roleDefinitionId: ROLE.userAdmin,
    directoryScopeId: "/",
  });
  // Ownerless on both sides: its review goes to the fallback reviewers.
  applications.push(registration(daemon("Legacy Reporting Job", [], ["Directory.Read.All"]), []));
  return applications;
}

/** Enterprise apps with their app roles and who is assigned to them (users and groups), Microsoft Graph among them. */
function generateApps(v: GenerateAppsInput) {
  const { admin, auditor, daysAgo, guests, members, n, o, regular, rng } = v;
  const servicePrincipals: EServicePrincipal[] = [];
  const appRoleAssignments: EAppRoleAssignment[] = [];
  const graphSp: EServicePrincipal = {
    id: rng.guid(),
    appId: GRAPH_APP_ID,
    displayName: "Microsoft Graph",
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    servicePrincipalType: "Application",
    tags: [],
    appRoles: Object.entries(GRAPH_PERMISSIONS).map(([value, id]) => ({
      id,
      value,
      displayName: value,
      description: value,
      allowedMemberTypes: ["Application"],
      isEnabled: true,
    })),
  };
  servicePrincipals.push(graphSp);
  const recertSp: EServicePrincipal = {
    id: rng.guid(),
    appId: o.recertClientId,
    displayName: "Recert",
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    servicePrincipalType: "Application",
    tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
    appRoles: [
      {
        id: RECERT_ROLE_ADMIN,
        value: "Recert.Admin",
        displayName: "Recert admin",
        description: "Manage campaigns, sync and settings",
        allowedMemberTypes: ["User"],
        isEnabled: true,
      },
      {
        id: RECERT_ROLE_AUDITOR,
        value: "Recert.Auditor",
        displayName: "Recert auditor",
        description: "Read evidence and the audit log",
        allowedMemberTypes: ["User", "Application"],
        isEnabled: true,
      },
    ],
  };
  const grcSp: EServicePrincipal = {
    id: rng.guid(),
    appId: o.grcClientId ?? GRC_CLIENT_ID,
    displayName: "GRC Evidence Collector",
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    servicePrincipalType: "Application",
    tags: [],
    appRoles: [],
  };
  servicePrincipals.push(recertSp, grcSp);
  const assignApp = (
    sp: EServicePrincipal,
    appRoleId: string,
    principal: EUser | EGroup | EServicePrincipal,
    principalType: EAppRoleAssignment["principalType"],
  ) =>
    appRoleAssignments.push({
      id: rng.opaqueId(),
      appRoleId,
      principalId: principal.id,
      principalType,
      principalDisplayName: principal.displayName,
      resourceId: sp.id,
      resourceDisplayName: sp.displayName,
      createdDateTime: daysAgo(rng.int(1, 900)),
    });
  assignApp(recertSp, RECERT_ROLE_ADMIN, admin, "User");
  assignApp(recertSp, RECERT_ROLE_AUDITOR, auditor, "User");
  assignApp(recertSp, RECERT_ROLE_AUDITOR, grcSp, "ServicePrincipal");
  const appUsers = Math.max(1, Math.round(n * 0.06));
  for (const a of APPS) {
    const sp: EServicePrincipal = {
      id: rng.guid(),
      appId: rng.guid(),
      displayName: a.name,
      accountEnabled: true,
      appRoleAssignmentRequired: rng.chance(0.7),
      servicePrincipalType: "Application",
      tags: ["WindowsAzureActiveDirectoryIntegratedApp", "WindowsAzureActiveDirectoryGalleryApplicationNonPrimaryV1"],
      appRoles: a.roles.map((r) => ({
        id: rng.guid(),
        value: r.replace(/\s+/g, ""),
        displayName: r,
        description: r,
        allowedMemberTypes: ["User"],
        isEnabled: true,
      })),
    };
    servicePrincipals.push(sp);
    const roleIds = sp.appRoles.length ? sp.appRoles.map((r) => r.id!) : [DEFAULT_ACCESS];
    const seen = new Set<string>();
    for (let i = 0; i < appUsers; i++) {
      const u = rng.chance(0.1) ? rng.pick(guests.length ? guests : members) : rng.pick(members);
      if (seen.has(u.id)) continue;
      seen.add(u.id);
      assignApp(sp, rng.pick(roleIds), u, "User");
    }
    for (let i = 0; i < 2; i++) assignApp(sp, rng.pick(roleIds), rng.pick(regular), "Group");
  }

  return { servicePrincipals, appRoleAssignments, recertSp, grcSp };
}

/** Conditional-access policies of every shape the coverage rules must tell apart, and the organization. */
function conditionalAccess(v: ConditionalAccessInput) {
  const { breakGlassGroup, daysAgo, o, recertSp, rng, deptGroups, grcSp, servicePrincipals } = v;
  const allApps = {
    includeApplications: ["All"],
    excludeApplications: [],
    includeUserActions: [],
    includeAuthenticationContextClassReferences: [],
  };
  const salesforce = servicePrincipals.find((s) => s.displayName === "Salesforce")!;
  const emptyUsers = {
    includeUsers: [],
    excludeUsers: [],
    includeGroups: [],
    excludeGroups: [],
    includeRoles: [],
    excludeRoles: [],
    includeGuestsOrExternalUsers: null,
    excludeGuestsOrExternalUsers: null,
  };
  const policy = (
    displayName: string,
    state: string,
    users: Record<string, unknown>,
    grant: Record<string, unknown> | null,
    extra: Record<string, unknown> = {},
  ): MSGraph.ConditionalAccessPolicy =>
    ({
      id: rng.guid(),
      displayName,
      state,
      createdDateTime: daysAgo(rng.int(30, 700)),
      modifiedDateTime: daysAgo(rng.int(1, 29)),
      templateId: null,
      conditions: {
        userRiskLevels: [],
        signInRiskLevels: [],
        clientAppTypes: ["all"],
        servicePrincipalRiskLevels: [],
        platforms: null,
        locations: null,
        devices: null,
        clientApplications: null,
        applications: allApps,
        users: { ...emptyUsers, ...users },
        ...extra,
      },
      grantControls: grant
        ? {
            operator: "OR",
            builtInControls: [],
            customAuthenticationFactors: [],
            termsOfUse: [],
            authenticationStrength: null,
            ...grant,
          }
        : null,
      sessionControls: null,
    }) as unknown as MSGraph.ConditionalAccessPolicy;
  const strength = (id: string, displayName: string) => ({
    id,
    displayName,
    policyType: "builtIn",
    requirementsSatisfied: "mfa",
    allowedCombinations: [],
  });
  const policies = [
    policy(
      "Require MFA for all users",
      "enabled",
      { includeUsers: ["All"], excludeGroups: [breakGlassGroup.id] },
      { builtInControls: ["mfa"] },
    ),
    policy(
      "Require phishing-resistant MFA for admins",
      "enabled",
      {
        includeRoles: [
          ROLE.globalAdmin,
          ROLE.userAdmin,
          ROLE.securityAdmin,
          ROLE.caAdmin,
          ROLE.appAdmin,
          ROLE.helpdeskAdmin,
        ],
        excludeGroups: [breakGlassGroup.id],
      },
      { authenticationStrength: strength("00000000-0000-0000-0000-000000000004", "Phishing-resistant MFA") },
    ),
    policy(
      "Require MFA for guests",
      "enabled",
      {
        includeGuestsOrExternalUsers: {
          guestOrExternalUserTypes: "internalGuest,b2bCollaborationGuest,b2bCollaborationMember",
          externalTenants: { membershipKind: "all" },
        },
      },
      { builtInControls: ["mfa"] },
    ),
    policy(
      "Block legacy authentication (report-only)",
      "enabledForReportingButNotEnforced",
      { includeUsers: ["All"], excludeGroups: [breakGlassGroup.id] },
      { builtInControls: ["block"] },
      { clientAppTypes: ["exchangeActiveSync", "other"] },
    ),
    policy(
      "Require MFA for Azure management (disabled)",
      "disabled",
      { includeUsers: ["All"] },
      { builtInControls: ["mfa"] },
    ),
    policy(
      "MFA on risky sign-ins",
      "enabled",
      { includeUsers: ["All"], excludeGroups: [breakGlassGroup.id] },
      { builtInControls: ["mfa"] },
      { signInRiskLevels: ["high", "medium"] },
    ),
    policy(
      "Salesforce: MFA or compliant device",
      "enabled",
      { includeGroups: [deptGroups.get("Sales")!.id] },
      { operator: "OR", builtInControls: ["mfa", "compliantDevice"] },
      { applications: { ...allApps, includeApplications: [salesforce.appId] } },
    ),
  ];

  const apps: EApp[] = [
    {
      clientId: o.recertClientId,
      displayName: "Recert",
      secret: o.recertClientSecret,
      secretExpired: false,
      redirectUris: o.redirectUris,
      identifierUris: [o.recertAppIdUri],
      appRoles: recertSp.appRoles,
      servicePrincipalId: recertSp.id,
      graphPermissions: [...RECERT_GRAPH_PERMISSIONS],
    },
    {
      clientId: o.grcClientId ?? GRC_CLIENT_ID,
      displayName: "GRC Evidence Collector",
      secret: o.grcClientSecret ?? GRC_CLIENT_SECRET,
      secretExpired: false,
      redirectUris: [],
      identifierUris: [],
      appRoles: [],
      servicePrincipalId: grcSp.id,
      graphPermissions: [],
    },
  ];

  const organization: MSGraph.Organization = {
    id: o.tenantId,
    displayName: "Contoso",
    countryLetterCode: "US",
    tenantType: "AAD",
    createdDateTime: daysAgo(3000),
    verifiedDomains: [
      {
        name: DOMAIN,
        isDefault: true,
        isInitial: true,
        type: "Managed",
        capabilities: "Email, OfficeCommunicationsOnlineService",
      },
      { name: "contoso.com", isDefault: false, isInitial: false, type: "Managed", capabilities: "Email" },
    ],
    assignedPlans: [],
  };

  return { policies, apps, organization };
}

export function tenantSummary(t: Tenant) {
  let memberships = 0;
  let owners = 0;
  for (const g of t.groups) {
    memberships += g.members.size;
    owners += g.owners.size;
  }
  const roleAssignable = t.groups.filter((g) => g.isAssignableToRole);
  const eligible = new Map<string, number>();
  for (const s of t.groupSchedules)
    if (s.kind === "eligible") eligible.set(s.groupId, (eligible.get(s.groupId) ?? 0) + 1);
  const assignedTo = new Map<string, number>();
  for (const a of t.appRoleAssignments) assignedTo.set(a.resourceId, (assignedTo.get(a.resourceId) ?? 0) + 1);
  return {
    users: t.users.length,
    members: t.users.filter((u) => u.userType === "Member").length,
    guests: t.users.filter((u) => u.userType === "Guest").length,
    disabled: t.users.filter((u) => !u.accountEnabled).length,
    groups: t.groups.length,
    roleAssignableGroups: roleAssignable.length,
    memberships,
    owners,
    roleDefinitions: t.roleDefinitions.length,
    roleAssignments: t.roleAssignments.length,
    roleEligibilities: t.roleEligibilities.length,
    groupEligibilities: t.groupSchedules.filter((s) => s.kind === "eligible").length,
    servicePrincipals: t.servicePrincipals.length,
    appRoleAssignments: t.appRoleAssignments.length,
    servicePrincipalOwners: t.servicePrincipals.reduce((n, p) => n + (p.owners?.length ?? 0), 0),
    applicationOwners: t.applications.reduce((n, a) => n + a.owners.length, 0),
    registrationDetails: t.users.filter((u) => u.accountEnabled && u.mfa).length,
    policies: t.policies.length,
    /** The lengths of the lists a sync reads one per object, for the benches' minimum requests (#20). */
    lists: {
      /** per role-assignable group: PIM for Groups eligibilities and assignment schedules (every member and owner) */
      groupEligibilities: roleAssignable.map((g) => (g.pimOnboarded ? (eligible.get(g.id) ?? 0) : 0)),
      groupAssignments: roleAssignable.map((g) => (g.pimOnboarded ? g.members.size + g.owners.size : 0)),
      /** per service principal: appRoleAssignedTo */
      appRoleAssignedTo: t.servicePrincipals.map((p) => assignedTo.get(p.id) ?? 0),
      /** One per app registration (#19): its owners. */
      applicationOwners: t.applications.map((a) => a.owners.length),
    },
  };
}
