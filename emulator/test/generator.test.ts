import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateTenant, tenantSummary } from "../tenant/generate";
import { ROLE } from "../tenant/roles";

const base = {
  tenantId: "8c3dad1d-b6bc-4f8b-939b-8263372eced6",
  recertClientId: "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  recertClientSecret: "s",
  recertAppIdUri: "api://x",
  redirectUris: [],
  password: "p",
  now: new Date("2026-11-01T00:00:00Z"),
};
const hash = (t: ReturnType<typeof generateTenant>) =>
  createHash("sha256")
    .update(
      JSON.stringify({
        u: t.users,
        g: t.groups.map((g) => ({ ...g, members: [...g.members], owners: [...g.owners] })),
        r: t.roleAssignments,
        a: t.appRoleAssignments,
        p: t.policies,
      }),
    )
    .digest("hex");

describe("tenant generator", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    expect(hash(generateTenant({ ...base, seed: 42, users: 300 }))).toBe(
      hash(generateTenant({ ...base, seed: 42, users: 300 })),
    );
    expect(hash(generateTenant({ ...base, seed: 43, users: 300 }))).not.toBe(
      hash(generateTenant({ ...base, seed: 42, users: 300 })),
    );
  });

  it("makes a hybrid tenant on request: a share of employees and plain groups synced from AD, nothing else changed", () => {
    const cloud = generateTenant({ ...base, seed: 42, users: 300 });
    const hybrid = generateTenant({ ...base, seed: 42, users: 300, onPremisesShare: 0.3 });
    expect(cloud.users.some((u) => u.onPremises) || cloud.groups.some((g) => g.onPremisesSyncEnabled)).toBe(false);
    // The same people, groups and memberships: only the on-premises marks differ.
    const strip = (t: typeof cloud) =>
      hash({
        ...t,
        users: t.users.map(({ onPremises: _, ...u }) => u as typeof u),
        groups: t.groups.map(({ onPremises: _o, onPremisesSyncEnabled: _s, ...g }) => g as (typeof t.groups)[number]),
      });
    expect(strip(hybrid)).toBe(strip(cloud));
    const members = hybrid.users.filter((u) => u.userType === "Member");
    const synced = members.filter((u) => u.onPremises);
    expect(synced.length / members.length).toBeGreaterThan(0.2);
    expect(synced.length / members.length).toBeLessThan(0.4);
    expect(hybrid.users.filter((u) => u.userType === "Guest").every((u) => !u.onPremises)).toBe(true);
    const named = new Set(hybrid.wellKnown.map((w) => w.upn));
    for (const u of synced) {
      expect(named.has(u.userPrincipalName)).toBe(false);
      expect(u.displayName.startsWith("Emergency Access")).toBe(false);
    }
    for (const u of synced) expect(u.onPremises!.securityIdentifier).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/);
    const groups = hybrid.groups.filter((g) => g.onPremisesSyncEnabled);
    // Every SID in the forest is unique.
    const sids = [
      ...synced.map((u) => u.onPremises!.securityIdentifier),
      ...groups.map((g) => g.onPremises!.securityIdentifier),
    ];
    expect(new Set(sids).size).toBe(sids.length);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      expect(g.isAssignableToRole).toBe(false);
      expect(g.groupTypes).toEqual([]);
      expect(g.onPremises?.domainName).toBe("corp.contoso.com");
    }
  });

  it("makes a realistic 300-user demo tenant", () => {
    const t = generateTenant({ ...base, seed: 42, users: 300 });
    const s = tenantSummary(t);
    expect(s.users).toBe(300);
    expect(s.guests / s.users).toBeCloseTo(0.1, 1);
    expect(s.disabled).toBeGreaterThan(0);
    const guests = t.users.filter((u) => u.userType === "Guest");
    expect(guests.every((g) => g.userPrincipalName.includes("#EXT#") && g.creationType === "Invitation")).toBe(true);
    expect(guests.some((g) => g.externalUserState === "PendingAcceptance")).toBe(true);
    expect(guests.some((g) => g.sponsorIds.length === 0)).toBe(true);
    expect(guests.some((g) => g.sponsorIds.length > 0)).toBe(true);
    const never = t.users.filter((u) => u.signInActivity === null).length;
    const inactive = t.users.filter(
      (u) =>
        u.signInActivity?.lastSignInDateTime &&
        Date.parse(u.signInActivity.lastSignInDateTime) < Date.parse("2026-08-03T00:00:00Z"),
    ).length;
    expect(never).toBeGreaterThan(10);
    expect(inactive).toBeGreaterThan(10);
    const enabled = t.users.filter((u) => u.accountEnabled);
    const registered = enabled.filter((u) => u.mfa?.isMfaRegistered).length / enabled.length;
    expect(registered).toBeGreaterThan(0.7);
    expect(registered).toBeLessThan(0.9);
    // Kinds of groups, nesting, ownerless groups, break glass.
    expect(t.groups.some((g) => g.groupTypes.includes("Unified"))).toBe(true);
    expect(t.groups.some((g) => g.isAssignableToRole)).toBe(true);
    expect(t.groups.some((g) => g.groupTypes.includes("DynamicMembership") && g.membershipRule)).toBe(true);
    expect(t.groups.some((g) => [...g.members].some((m) => t.groupById.has(m)))).toBe(true);
    expect(t.groups.some((g) => g.owners.size === 0)).toBe(true);
    const bg = t.groups.find((g) => g.displayName === "Break Glass Accounts")!;
    expect(bg.members.size).toBe(2);
    // Roles: direct and group-based; some admins without MFA.
    expect(t.roleAssignments.some((a) => a.roleDefinitionId === ROLE.globalAdmin)).toBe(true);
    expect(t.roleAssignments.some((a) => t.groupById.has(a.principalId))).toBe(true);
    const admins = new Set(t.roleAssignments.map((a) => a.principalId));
    expect(t.users.some((u) => admins.has(u.id) && u.accountEnabled && !u.mfa?.isMfaRegistered)).toBe(true);
    // Apps assigned to users and groups; CA policy states.
    expect(t.appRoleAssignments.some((a) => a.principalType === "Group")).toBe(true);
    expect(new Set(t.policies.map((p) => p.state))).toEqual(
      new Set(["enabled", "enabledForReportingButNotEnforced", "disabled"]),
    );
  });

  it("has the well-known accounts with their roles and relations", () => {
    const t = generateTenant({ ...base, seed: 7, users: 300 });
    const admin = t.userByUpn.get("admin@contoso.onmicrosoft.com")!;
    const auditor = t.userByUpn.get("auditor@contoso.onmicrosoft.com")!;
    const reviewer = t.userByUpn.get("reviewer@contoso.onmicrosoft.com")!;
    const recert = t.apps[0]!;
    const roleOf = (id: string) =>
      t.appRoleAssignments
        .filter((a) => a.principalId === id && a.resourceId === recert.servicePrincipalId)
        .map((a) => recert.appRoles.find((r) => r.id === a.appRoleId)?.value);
    expect(roleOf(admin.id)).toEqual(["Recert.Admin"]);
    expect(roleOf(auditor.id)).toEqual(["Recert.Auditor"]);
    expect(roleOf(reviewer.id)).toEqual([]);
    expect(t.groups.filter((g) => g.owners.has(reviewer.id)).length).toBeGreaterThanOrEqual(4);
    expect(t.users.filter((u) => u.managerId === reviewer.id).length).toBeGreaterThanOrEqual(3);
    const guestGroup = t.groups.find(
      (g) => g.owners.has(reviewer.id) && [...g.members].some((m) => t.userById.get(m)?.userType === "Guest"),
    );
    expect(guestGroup).toBeDefined();
  });

  it("scales: 20,000 users with ~10 memberships each in a few seconds", () => {
    const started = Date.now();
    const t = generateTenant({ ...base, seed: 1, users: 20_000 });
    const s = tenantSummary(t);
    expect(s.users).toBe(20_000);
    expect(s.groups).toBe(2_000);
    expect(s.memberships).toBeGreaterThan(150_000);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
