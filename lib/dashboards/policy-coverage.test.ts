import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { describe, expect, it } from "vitest";
import {
  describePolicy,
  externalKindOf,
  mfaRequirement,
  targets,
  userCoverage,
  type UserFacts,
} from "./policy-coverage";

const GA = "62e90394-69f5-4237-9190-012177145e10";
const BREAK_GLASS = "bg-group";
const SALES = "sales-group";
const NESTED_PARENT = "parent-group";

function policy(
  users: Partial<MSGraph.ConditionalAccessUsers>,
  grant: Partial<MSGraph.ConditionalAccessGrantControls> | null,
  extra: Partial<MSGraph.ConditionalAccessPolicy> & {
    conditions?: Partial<MSGraph.ConditionalAccessConditionSet>;
  } = {},
): MSGraph.ConditionalAccessPolicy {
  const { conditions, ...rest } = extra;
  return {
    id: Math.random().toString(36).slice(2),
    displayName: "p",
    state: "enabled",
    conditions: {
      clientAppTypes: ["all"],
      applications: { includeApplications: ["All"], excludeApplications: [] },
      users: {
        includeUsers: [],
        excludeUsers: [],
        includeGroups: [],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
        ...users,
      },
      ...conditions,
    },
    grantControls: grant ? { operator: "OR", builtInControls: [], ...grant } : null,
    ...rest,
  } as MSGraph.ConditionalAccessPolicy;
}

const user = (o: Partial<UserFacts> = {}): UserFacts => ({
  id: "u1",
  userType: "Member",
  externalKind: null,
  groupIds: new Set(),
  roleIds: new Set(),
  isMfaRegistered: true,
  ...o,
});
const allUsersMfa = policy({ includeUsers: ["All"], excludeGroups: [BREAK_GLASS] }, { builtInControls: ["mfa"] });

describe("mfaRequirement", () => {
  it("counts mfa and authentication strengths, not alternatives, risk-only or block", () => {
    expect(mfaRequirement(allUsersMfa).requiresMfa).toBe(true);
    expect(
      mfaRequirement(
        policy(
          {},
          {
            builtInControls: [],
            authenticationStrength: {
              id: "00000000-0000-0000-0000-000000000004",
              displayName: "Phishing-resistant MFA",
            },
          },
        ),
      ).requiresMfa,
    ).toBe(true);
    expect(mfaRequirement(policy({}, { operator: "OR", builtInControls: ["mfa", "compliantDevice"] }))).toMatchObject({
      requiresMfa: false,
      reason: expect.stringContaining("or another control"),
    });
    expect(
      mfaRequirement(policy({}, { operator: "AND", builtInControls: ["mfa", "compliantDevice"] })).requiresMfa,
    ).toBe(true);
    expect(
      mfaRequirement(policy({}, { builtInControls: ["mfa"] }, { conditions: { signInRiskLevels: ["high"] } }))
        .requiresMfa,
    ).toBe(false);
    expect(mfaRequirement(policy({}, { builtInControls: ["block"] })).requiresMfa).toBe(false);
    expect(mfaRequirement(policy({}, null)).requiresMfa).toBe(false);
  });
});

describe("targets", () => {
  it("includes all users minus excluded groups (nested membership is passed in transitively)", () => {
    expect(targets(allUsersMfa, user())).toEqual({ included: true, excludedBy: null });
    expect(targets(allUsersMfa, user({ groupIds: new Set([BREAK_GLASS]) }))).toEqual({
      included: true,
      excludedBy: "group",
    });
    const byParent = policy({ includeGroups: [NESTED_PARENT] }, { builtInControls: ["mfa"] });
    expect(targets(byParent, user({ groupIds: new Set(["child", NESTED_PARENT]) })).included).toBe(true);
  });
  it("resolves roles, explicit users and user exclusions", () => {
    const admins = policy({ includeRoles: [GA], excludeUsers: ["bg1"] }, { builtInControls: ["mfa"] });
    expect(targets(admins, user({ roleIds: new Set([GA]) })).included).toBe(true);
    expect(targets(admins, user()).included).toBe(false);
    expect(targets(admins, user({ id: "bg1", roleIds: new Set([GA]) })).excludedBy).toBe("user");
    expect(targets(policy({ includeUsers: ["u1"] }, null), user()).included).toBe(true);
  });
  it("matches guest and external user types", () => {
    const guests = policy(
      {
        includeGuestsOrExternalUsers: {
          guestOrExternalUserTypes:
            "internalGuest,b2bCollaborationGuest" as MSGraph.ConditionalAccessGuestOrExternalUserTypes,
        },
      },
      { builtInControls: ["mfa"] },
    );
    expect(targets(guests, user({ userType: "Guest", externalKind: "b2bCollaborationGuest" })).included).toBe(true);
    expect(targets(guests, user({ externalKind: "b2bCollaborationMember" })).included).toBe(false);
    expect(targets(guests, user()).included).toBe(false);
    const allButGuests = policy(
      { includeUsers: ["All"], excludeUsers: ["GuestsOrExternalUsers"] },
      { builtInControls: ["mfa"] },
    );
    expect(targets(allButGuests, user({ userType: "Guest", externalKind: "b2bCollaborationGuest" })).excludedBy).toBe(
      "guests",
    );
    expect(externalKindOf({ userType: "Guest", userPrincipalName: "a_b.com#EXT#@contoso.onmicrosoft.com" })).toBe(
      "b2bCollaborationGuest",
    );
    expect(externalKindOf({ userType: "Guest", userPrincipalName: "local@contoso.onmicrosoft.com" })).toBe(
      "internalGuest",
    );
    expect(externalKindOf({ userType: "Member", userPrincipalName: "x@contoso.com" })).toBeNull();
  });
});

describe("userCoverage buckets", () => {
  it("puts each user in exactly one bucket", () => {
    expect(userCoverage([allUsersMfa], user()).bucket).toBe("enforcedAllApps");
    expect(userCoverage([allUsersMfa], user({ isMfaRegistered: false })).bucket).toBe("enforcedNotRegistered");
    expect(userCoverage([], user()).bucket).toBe("registeredNotEnforced");
    expect(userCoverage([], user({ isMfaRegistered: false })).bucket).toBe("neither");
    const sfOnly = policy(
      { includeGroups: [SALES] },
      { builtInControls: ["mfa"] },
      { conditions: { applications: { includeApplications: ["salesforce-app"], excludeApplications: [] } } },
    );
    expect(userCoverage([sfOnly], user({ groupIds: new Set([SALES]) })).bucket).toBe("enforcedSomeApps");
    expect(userCoverage([sfOnly, allUsersMfa], user({ groupIds: new Set([SALES]) })).bucket).toBe("enforcedAllApps");
  });
  it("never counts report-only or disabled policies", () => {
    for (const state of ["enabledForReportingButNotEnforced", "disabled"] as const) {
      expect(userCoverage([{ ...allUsersMfa, state }], user()).bucket).toBe("registeredNotEnforced");
    }
  });
  it("separates a sanctioned break-glass exclusion from an unsanctioned one", () => {
    const bg = user({ id: "bg1", groupIds: new Set([BREAK_GLASS]) });
    const unsanctioned = userCoverage([allUsersMfa], bg);
    expect(unsanctioned.bucket).toBe("registeredNotEnforced");
    expect(unsanctioned.excludedFrom).toEqual([{ policyId: allUsersMfa.id, by: "group" }]);
    expect(userCoverage([allUsersMfa], bg, (id) => id === allUsersMfa.id).bucket).toBe("sanctionedExclusion");
  });
});

describe("describePolicy", () => {
  it("says who, which apps and what is required", () => {
    const names = {
      group: (id: string) => (id === BREAK_GLASS ? "Break Glass Accounts" : id),
      role: () => "Global Administrator",
      user: (id: string) => id,
      app: (id: string) => id,
    };
    expect(describePolicy(allUsersMfa, names)).toBe(
      "Applies to all users except members of Break Glass Accounts; all cloud apps; requires MFA.",
    );
    const either = policy({ includeRoles: [GA] }, { operator: "OR", builtInControls: ["mfa", "compliantDevice"] });
    expect(describePolicy(either, names)).toBe(
      "Applies to holders of Global Administrator; all cloud apps; requires MFA or a compliant device.",
    );
  });
});
