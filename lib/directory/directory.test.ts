/**
 * The directory pages' data: filters, search, sort and paging in SQL, user and group detail, apps.
 * Checked against the emulator's tenant after a real sync.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup } from "@/tests/support/emulator-fixture";
import { runSync } from "@/lib/sync/run-sync";

let ctx: Awaited<ReturnType<typeof setup>>;
let lib: {
  users: typeof import("./list-users");
  groups: typeof import("./list-groups");
  apps: typeof import("./list-apps");
  detail: typeof import("./detail");
};
const NOW = new Date("2026-11-01T00:00:00Z");
/** The lib context on the test database, with the clock at NOW. */
let at: import("@/lib/db").Ctx;

beforeAll(async () => {
  ctx = await setup({ users: 300 });
  Object.assign(process.env, {
    DATABASE_URL: ctx.database.url,
    AUTH_SECRET: "a".repeat(40),
    AUTH_MICROSOFT_ENTRA_ID_ID: ctx.emu.config.clientId,
    AUTH_MICROSOFT_ENTRA_ID_SECRET: ctx.emu.config.clientSecret,
    ENTRA_TENANT_ID: ctx.tenantId,
  });
  const r = await runSync({
    db: ctx.db,
    graph: ctx.graph(),
    tenantId: ctx.tenantId,
    databaseUrl: ctx.database.url,
    trigger: "cli",
    mode: "full",
  });
  expect(r.status).toBe("succeeded");
  at = { ...ctx.ctx, now: () => NOW };
  lib = {
    users: await import("./list-users"),
    groups: await import("./list-groups"),
    apps: await import("./list-apps"),
    detail: await import("./detail"),
  };
});
afterAll(async () => {
  const { db } = await import("@/lib/db");
  await db().$disconnect();
  await ctx?.close();
});

const q = (o: Record<string, unknown>) => lib.users.ZListUsers.parse(o);
async function allIds(filter: Record<string, unknown>): Promise<string[]> {
  const out: string[] = [];
  for await (const rows of lib.users.iterateUsers(at, q(filter))) out.push(...rows.map((r) => r.id));
  return out.sort();
}

describe("users list", () => {
  it("'No MFA' is every enabled account without an MFA registration, and 'privileged' every holder of a directory role (directly or through a group)", async () => {
    const t = ctx.emu.tenant;
    const noMfa = t.users
      .filter((u) => u.accountEnabled && !u.mfa?.isMfaRegistered)
      .map((u) => u.id)
      .sort();
    expect(noMfa.length).toBeGreaterThan(0);
    expect(await allIds({ filter: "nomfa" })).toEqual(noMfa);
    expect((await lib.users.listUsers(at, q({ filter: "nomfa" }))).total).toBe(noMfa.length);

    const holders = new Set<string>();
    for (const a of t.roleAssignments) {
      if (t.userById.has(a.principalId)) holders.add(a.principalId);
      const g = t.groupById.get(a.principalId);
      if (g) for (const m of g.members) if (t.userById.has(m)) holders.add(m);
    }
    expect(holders.size).toBeGreaterThan(0);
    expect(await allIds({ filter: "privileged" })).toEqual([...holders].sort());
    const page = await lib.users.listUsers(at, q({ filter: "privileged" }));
    expect(page.rows.every((r) => r.roles.length > 0)).toBe(true);
  });

  it("inactive honours the chosen number of days; search is case-insensitive and treats % and _ literally", async () => {
    const t = ctx.emu.tenant;
    const inactive = (days: number) =>
      t.users
        .filter(
          (u) =>
            !u.signInActivity?.lastSignInDateTime ||
            new Date(u.signInActivity.lastSignInDateTime).getTime() < NOW.getTime() - days * 86_400_000,
        )
        .map((u) => u.id)
        .sort();
    expect(await allIds({ filter: "inactive", days: 30 })).toEqual(inactive(30));
    expect(await allIds({ filter: "inactive", days: 180 })).toEqual(inactive(180));
    expect(inactive(30).length).toBeGreaterThan(inactive(180).length);

    const megan = await lib.users.listUsers(at, q({ q: "MEGAN BOWEN" }));
    expect(megan.rows.map((r) => r.displayName)).toEqual(["Megan Bowen"]);
    expect((await lib.users.listUsers(at, q({ q: "%" }))).total).toBe(0);
    // Guests' UPNs hold a literal underscore (name_domain#EXT#@…); "_" must not match every character.
    const underscore = t.users.filter((u) =>
      [u.displayName, u.userPrincipalName, u.mail].some((x) => x?.includes("_")),
    ).length;
    expect(underscore).toBeGreaterThan(0);
    expect(underscore).toBeLessThan(300);
    expect((await lib.users.listUsers(at, q({ q: "_" }))).total).toBe(underscore);
  });

  it("pages and sorts in the database", async () => {
    const byName = await lib.users.listUsers(at, q({ sort: "lastSignInAt", dir: "desc", page: 2 }));
    expect(byName.total).toBe(300);
    expect(byName.rows).toHaveLength(50);
    const times = byName.rows.map((r) => r.lastSignInAt).filter((x): x is string => x !== null);
    expect([...times].sort().reverse()).toEqual(times);
    const p1 = await lib.users.listUsers(at, q({}));
    const p2 = await lib.users.listUsers(at, q({ page: 2 }));
    expect(new Set([...p1.rows, ...p2.rows].map((r) => r.id)).size).toBe(100);
  });
});

describe("user and group detail", () => {
  it("a user's groups (direct and nested, with the path), owned groups, roles, apps, manager and MFA", async () => {
    const t = ctx.emu.tenant;
    // Someone in a group that is itself nested in another group.
    const nested = t.groups.find((g) => [...g.members].some((m) => t.groupById.has(m)))!;
    const child = t.groupById.get([...nested.members].find((m) => t.groupById.has(m))!)!;
    const user = t.userById.get([...child.members].find((m) => t.userById.has(m))!)!;
    const d = (await lib.detail.userDetail(at, user.id))!;
    expect(d.groups.find((g) => g.id === child.id)?.via).toBe("direct");
    expect(d.groups.find((g) => g.id === nested.id)?.via).toBe(`via ${child.displayName}`);
    const direct = t.groups
      .filter((g) => g.members.has(user.id))
      .map((g) => g.id)
      .sort();
    expect(
      d.groups
        .filter((g) => g.via === "direct")
        .map((g) => g.id)
        .sort(),
    ).toEqual(direct);
    expect(d.owns.map((o) => o.id).sort()).toEqual(
      t.groups
        .filter((g) => g.owners.has(user.id))
        .map((g) => g.id)
        .sort(),
    );
    expect(d.manager?.id ?? null).toBe(user.managerId);
    expect(d.mfa?.registered ?? null).toBe(user.mfa?.isMfaRegistered ?? null);
    const apps = t.appRoleAssignments.filter((a) => a.principalId === user.id).length;
    expect(d.apps.filter((a) => a.via === "direct")).toHaveLength(apps);

    const admin = t.users.find((u) => u.userPrincipalName.startsWith("admin@"))!;
    const roles = t.roleAssignments.filter((a) => a.principalId === admin.id).length;
    expect((await lib.detail.userDetail(at, admin.id))!.roles.filter((r) => r.via === "direct")).toHaveLength(roles);
    expect(await lib.detail.userDetail(at, "00000000-0000-4000-8000-000000000000")).toBeNull();
    expect(
      await lib.detail.userDetail({ ...at, tenantId: "11111111-1111-4111-8111-111111111111" }, admin.id),
    ).toBeNull(); // another tenant's id space
  });

  it("a group's members (paged, searchable), owners, parent groups and grants", async () => {
    const t = ctx.emu.tenant;
    const big = [...t.groups].sort((a, b) => b.members.size - a.members.size)[0]!;
    const d = (await lib.detail.groupDetail(at, big.id, 1))!;
    expect(d.memberTotal).toBe(big.members.size);
    expect(d.members.length).toBe(Math.min(100, big.members.size));
    expect(d.owners.map((o) => o.id).sort()).toEqual([...big.owners].sort());
    if (big.members.size > 100) {
      const p2 = (await lib.detail.groupDetail(at, big.id, 2))!;
      expect(p2.members.some((m) => d.members.some((x) => x.id === m.id))).toBe(false);
    }
    const someone = t.userById.get([...big.members].find((m) => t.userById.has(m))!)!;
    const found = (await lib.detail.groupDetail(at, big.id, 1, someone.userPrincipalName.toUpperCase().slice(0, 12)))!;
    expect(found.members.map((m) => m.id)).toContain(someone.id);

    const nested = t.groups.find((g) => [...g.members].some((m) => t.groupById.has(m)))!;
    const child = [...nested.members].find((m) => t.groupById.has(m))!;
    expect((await lib.detail.groupDetail(at, child, 1))!.memberOf.map((p) => p.id)).toContain(nested.id);
    const roleGroup = t.roleAssignments.find((a) => t.groupById.has(a.principalId));
    if (roleGroup)
      expect((await lib.detail.groupDetail(at, roleGroup.principalId, 1))!.roles.length).toBeGreaterThan(0);
  });
});

describe("apps and groups lists", () => {
  it("apps with their user and group assignment counts; filters", async () => {
    const t = ctx.emu.tenant;
    const all = await lib.apps.listApps(at, lib.apps.ZListApps.parse({}));
    expect(all.total).toBe(t.servicePrincipals.length);
    for (const row of all.rows) {
      expect(row.users, row.displayName).toBe(
        t.appRoleAssignments.filter((a) => a.resourceId === row.id && a.principalType === "User").length,
      );
      expect(row.groups, row.displayName).toBe(
        t.appRoleAssignments.filter((a) => a.resourceId === row.id && a.principalType === "Group").length,
      );
    }
    const assigned = await lib.apps.listApps(at, lib.apps.ZListApps.parse({ filter: "assigned" }));
    expect(assigned.total).toBe(new Set(t.appRoleAssignments.map((a) => a.resourceId)).size);
    expect((await lib.apps.listApps(at, lib.apps.ZListApps.parse({ filter: "assignmentRequired" }))).total).toBe(
      t.servicePrincipals.filter((s) => s.appRoleAssignmentRequired).length,
    );
  });

  it("groups: ownerless and search in SQL", async () => {
    const t = ctx.emu.tenant;
    const ownerless = await lib.groups.listGroups(at, lib.groups.ZListGroups.parse({ filter: "ownerless" }));
    expect(ownerless.total).toBe(t.groups.filter((g) => g.owners.size === 0).length);
    expect(ownerless.rows.every((r) => r.owners === 0)).toBe(true);
    const name = t.groups[0]!.displayName!;
    expect(
      (await lib.groups.listGroups(at, lib.groups.ZListGroups.parse({ q: name.toUpperCase() }))).rows.map(
        (r) => r.displayName,
      ),
    ).toContain(name);
  });
});
