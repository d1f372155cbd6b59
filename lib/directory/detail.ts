import "server-only";
import { z } from "zod";
import type { Ctx } from "@/lib/db";

const ZERO_ROLE = "00000000-0000-0000-0000-000000000000";
export const ZDirectoryId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

export interface Named {
  id: string;
  name: string;
}
export interface GroupAccess extends Named {
  kind: string;
  /** "direct", or the nested group path it comes through */
  via: string;
}
export interface RoleAccess extends Named {
  scope: string;
  via: string;
  /** PIM (#19): "Active", "Active until 2027-01-31", "Eligible" or "Eligible until …". */
  state: string;
}
export interface AppAccess extends Named {
  role: string;
  via: string;
}

/** Groups containing any of `ids` (one level), as child → parents. */
async function parentsOf(ctx: Ctx, ids: string[]): Promise<Map<string, string[]>> {
  const { db, tenantId } = ctx;
  const out = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const e of await db.dirGroupMember.findMany({
      where: { tenantId, memberId: { in: ids.slice(i, i + 500) } },
      select: { groupId: true, memberId: true },
    })) {
      (out.get(e.memberId) ?? out.set(e.memberId, []).get(e.memberId)!).push(e.groupId);
    }
  }
  return out;
}

/** Every group a principal belongs to, directly or through nesting, with the path (cycles tolerated). */
async function transitiveGroups(ctx: Ctx, principalId: string): Promise<Map<string, string[]>> {
  const paths = new Map<string, string[]>(); // group → chain of groups from the principal's direct group to it
  let frontier: { id: string; path: string[] }[] = [{ id: principalId, path: [] }];
  while (frontier.length && paths.size < 5_000) {
    const parents = await parentsOf(
      ctx,
      frontier.map((f) => f.id),
    );
    const next: typeof frontier = [];
    for (const f of frontier) {
      for (const g of parents.get(f.id) ?? []) {
        if (paths.has(g) || g === principalId) continue;
        const path = [...f.path, g];
        paths.set(g, path);
        next.push({ id: g, path });
      }
    }
    frontier = next;
  }
  return paths;
}

async function names(ctx: Ctx, ids: string[]): Promise<Map<string, string>> {
  const { db, tenantId } = ctx;
  const out = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const part = unique.slice(i, i + 500);
    const [users, groups, sps] = await Promise.all([
      db.dirUser.findMany({
        where: { tenantId, id: { in: part } },
        select: { id: true, displayName: true, userPrincipalName: true },
      }),
      db.dirGroup.findMany({ where: { tenantId, id: { in: part } }, select: { id: true, displayName: true } }),
      db.dirServicePrincipal.findMany({
        where: { tenantId, id: { in: part } },
        select: { id: true, displayName: true },
      }),
    ]);
    for (const u of users) out.set(u.id, u.displayName ?? u.userPrincipalName ?? u.id);
    for (const g of [...groups, ...sps]) out.set(g.id, g.displayName ?? g.id);
  }
  return out;
}

function appRoleName(appRoles: string, roleId: string): string {
  if (roleId === ZERO_ROLE) return "Default access";
  try {
    const r = (JSON.parse(appRoles) as { id: string; displayName?: string; value?: string }[]).find(
      (x) => x.id === roleId,
    );
    return r?.displayName ?? r?.value ?? roleId;
  } catch {
    return roleId;
  }
}

/** Directory roles and app assignments held by the principal or by any of its groups. */
async function rolesAndApps(
  ctx: Ctx,
  principalId: string,
  groups: Map<string, string[]>,
  groupNames: Map<string, string>,
) {
  const { db, tenantId } = ctx;
  const holders = [principalId, ...groups.keys()];
  const via = (h: string) =>
    h === principalId ? "direct" : `group ${(groups.get(h) ?? [h]).map((g) => groupNames.get(g) ?? g).join(" › ")}`;
  const roleAssignments = [];
  const schedules = [];
  const appAssignments = [];
  for (let i = 0; i < holders.length; i += 500) {
    const part = holders.slice(i, i + 500);
    roleAssignments.push(...(await db.dirRoleAssignment.findMany({ where: { tenantId, principalId: { in: part } } })));
    schedules.push(...(await db.dirRoleSchedule.findMany({ where: { tenantId, principalId: { in: part } } })));
    appAssignments.push(
      ...(await db.dirAppRoleAssignment.findMany({ where: { tenantId, principalId: { in: part } } })),
    );
  }
  const defs = new Map(
    (
      await db.dirRoleDefinition.findMany({
        where: {
          tenantId,
          id: { in: [...new Set([...roleAssignments, ...schedules].map((r) => r.roleDefinitionId))] },
        },
        select: { id: true, displayName: true },
      })
    ).map((d) => [d.id, d.displayName ?? d.id]),
  );
  const sps = new Map(
    (
      await db.dirServicePrincipal.findMany({
        where: { tenantId, id: { in: [...new Set(appAssignments.map((a) => a.resourceId))] } },
        select: { id: true, displayName: true, appRoles: true },
      })
    ).map((s) => [s.id, s]),
  );
  const key = (r: { principalId: string; roleDefinitionId: string; directoryScopeId: string | null }) =>
    `${r.principalId}|${r.roleDefinitionId}|${r.directoryScopeId ?? "/"}`;
  const activeSchedule = new Map(schedules.filter((s) => s.kind === "active").map((s) => [key(s), s]));
  const until = (d: Date | null) => (d ? ` until ${d.toISOString().slice(0, 10)}` : "");
  const role = (
    r: { principalId: string; roleDefinitionId: string; directoryScopeId: string | null },
    state: string,
  ) => ({
    id: r.roleDefinitionId,
    name: defs.get(r.roleDefinitionId) ?? r.roleDefinitionId,
    scope: !r.directoryScopeId || r.directoryScopeId === "/" ? "Tenant-wide" : r.directoryScopeId,
    via: via(r.principalId),
    state,
  });
  const roles: RoleAccess[] = [
    ...roleAssignments.map((r) => {
      const s = activeSchedule.get(key(r));
      return role(
        r,
        s?.assignmentType === "Activated" ? `Activated${until(s.endAt)}` : `Active${until(s?.endAt ?? null)}`,
      );
    }),
    ...schedules.filter((s) => s.kind === "eligible").map((s) => role(s, `Eligible${until(s.endAt)}`)),
  ].sort((a, b) => a.name.localeCompare(b.name) || a.state.localeCompare(b.state));
  const apps: AppAccess[] = appAssignments
    .map((a) => {
      const sp = sps.get(a.resourceId);
      return {
        id: a.resourceId,
        name: sp?.displayName ?? a.resourceDisplayName ?? a.resourceId,
        role: sp ? appRoleName(sp.appRoles, a.appRoleId) : a.appRoleId,
        via: via(a.principalId),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { roles, apps };
}

/**
 * PIM for Groups (#19): eligible and time-bound membership or ownership, of a group (by principal) or of a person (by
 * group). Permanent active rows are the plain members and owners shown elsewhere.
 */
async function groupSchedules(ctx: Ctx, where: { groupId: string } | { principalId: string }) {
  const rows = await ctx.db.dirGroupSchedule.findMany({
    where: { tenantId: ctx.tenantId, ...where, OR: [{ kind: "eligible" }, { endAt: { not: null } }] },
  });
  const nm = await names(
    ctx,
    rows.flatMap((r) => [r.groupId, r.principalId]),
  );
  const until = (d: Date | null) => (d ? ` until ${d.toISOString().slice(0, 10)}` : "");
  return rows
    .map((r) => ({
      groupId: r.groupId,
      groupName: nm.get(r.groupId) ?? r.groupId,
      principalId: r.principalId,
      principalName: nm.get(r.principalId) ?? r.principalId,
      principalType: r.principalType,
      access: r.accessId === "owner" ? "Owner" : "Member",
      state: `${r.kind === "eligible" ? "Eligible" : "Active"}${until(r.endAt)}`,
    }))
    .sort((a, b) => a.groupName.localeCompare(b.groupName) || a.principalName.localeCompare(b.principalName));
}
export type GroupSchedule = Awaited<ReturnType<typeof groupSchedules>>[number];

export async function userDetail(ctx: Ctx, id: string) {
  const { db, tenantId } = ctx;
  const user = await db.dirUser.findFirst({ where: { tenantId, id } });
  if (!user) return null;
  const [mfa, sponsorsRows, owned, reports, groups] = await Promise.all([
    db.dirMfaRegistration.findFirst({ where: { tenantId, userId: id } }),
    db.dirSponsor.findMany({ where: { tenantId, userId: id } }),
    db.dirGroupOwner.findMany({ where: { tenantId, ownerId: id }, select: { groupId: true } }),
    db.dirUser.count({ where: { tenantId, managerId: id } }),
    transitiveGroups(ctx, id),
  ]);
  const nm = await names(ctx, [
    ...groups.keys(),
    ...sponsorsRows.map((s) => s.sponsorId),
    ...owned.map((o) => o.groupId),
    ...(user.managerId ? [user.managerId] : []),
  ]);
  const kinds = new Map(
    (
      await db.dirGroup.findMany({
        where: { tenantId, id: { in: [...groups.keys()].slice(0, 1000) } },
        select: { id: true, kind: true },
      })
    ).map((g) => [g.id, g.kind]),
  );
  const { roles, apps } = await rolesAndApps(ctx, id, groups, nm);
  const pim = await groupSchedules(ctx, { principalId: id });
  const parse = (s: string | undefined) => {
    try {
      return s ? (JSON.parse(s) as string[]) : [];
    } catch {
      return [];
    }
  };
  return {
    user,
    manager: user.managerId ? { id: user.managerId, name: nm.get(user.managerId) ?? user.managerId } : null,
    directReports: reports,
    sponsors: sponsorsRows.map((s) => ({
      id: s.sponsorId,
      name: nm.get(s.sponsorId) ?? s.sponsorId,
      type: s.sponsorType,
    })),
    groups: [...groups]
      .map(
        ([g, path]): GroupAccess => ({
          id: g,
          name: nm.get(g) ?? g,
          kind: kinds.get(g) ?? "",
          via:
            path.length === 1
              ? "direct"
              : `via ${path
                  .slice(0, -1)
                  .map((x) => nm.get(x) ?? x)
                  .join(" › ")}`,
        }),
      )
      .sort((a, b) => Number(a.via !== "direct") - Number(b.via !== "direct") || a.name.localeCompare(b.name)),
    owns: owned
      .map((o) => ({ id: o.groupId, name: nm.get(o.groupId) ?? o.groupId }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    roles,
    apps,
    pim,
    mfa: mfa
      ? {
          registered: mfa.isMfaRegistered,
          capable: mfa.isMfaCapable,
          passwordless: mfa.isPasswordlessCapable,
          methods: parse(mfa.methodsRegistered),
          default: mfa.userPreferredMethod,
          systemPreferred: parse(mfa.systemPreferredMethods),
          isAdmin: mfa.isAdmin,
          updatedAt: mfa.lastUpdatedAt,
        }
      : null,
  };
}
export type UserDetail = NonNullable<Awaited<ReturnType<typeof userDetail>>>;

export const MEMBERS_PAGE = 100;

export async function groupDetail(ctx: Ctx, id: string, page = 1, q = "") {
  const { db, tenantId } = ctx;
  const group = await db.dirGroup.findFirst({ where: { tenantId, id } });
  if (!group) return null;
  const [ownersRows, memberCounts, parents] = await Promise.all([
    db.dirGroupOwner.findMany({ where: { groupId: id } }),
    db.dirGroupMember.groupBy({ by: ["memberType"], where: { groupId: id }, _count: { _all: true } }),
    transitiveGroups(ctx, id),
  ]);
  // Members, a page at a time, ordered by name; search in the database.
  let memberIds: string[];
  let memberTotal: number;
  if (q) {
    const needle = q.toLowerCase();
    const matching = await db.dirUser.findMany({
      where: { tenantId, OR: [{ displayName: { contains: q } }, { userPrincipalName: { contains: needle } }] },
      select: { id: true },
      take: 5_000,
    });
    const ids = matching.map((m) => m.id);
    const hits: string[] = [];
    for (let i = 0; i < ids.length; i += 500)
      hits.push(
        ...(
          await db.dirGroupMember.findMany({
            where: { groupId: id, memberId: { in: ids.slice(i, i + 500) } },
            select: { memberId: true },
          })
        ).map((m) => m.memberId),
      );
    memberTotal = hits.length;
    memberIds = hits.slice((page - 1) * MEMBERS_PAGE, page * MEMBERS_PAGE);
  } else {
    memberTotal = memberCounts.reduce((n, c) => n + c._count._all, 0);
    memberIds = (
      await db.dirGroupMember.findMany({
        where: { groupId: id },
        orderBy: { memberId: "asc" },
        skip: (page - 1) * MEMBERS_PAGE,
        take: MEMBERS_PAGE,
        select: { memberId: true },
      })
    ).map((m) => m.memberId);
  }
  const memberRows = await db.dirGroupMember.findMany({ where: { groupId: id, memberId: { in: memberIds } } });
  const users = new Map(
    (
      await db.dirUser.findMany({
        where: { tenantId, id: { in: memberIds } },
        select: {
          id: true,
          displayName: true,
          userPrincipalName: true,
          userType: true,
          accountEnabled: true,
          lastSignInAt: true,
        },
      })
    ).map((u) => [u.id, u]),
  );
  const nm = await names(ctx, [...memberIds, ...ownersRows.map((o) => o.ownerId), ...parents.keys()]);
  const { roles, apps } = await rolesAndApps(ctx, id, parents, nm);
  const pim = await groupSchedules(ctx, { groupId: id });
  return {
    group,
    pim,
    owners: ownersRows
      .map((o) => ({ id: o.ownerId, name: nm.get(o.ownerId) ?? o.ownerId, type: o.ownerType }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    counts: Object.fromEntries(memberCounts.map((c) => [c.memberType, c._count._all])) as Record<string, number>,
    memberTotal,
    members: memberRows
      .map((m) => {
        const u = users.get(m.memberId);
        return {
          id: m.memberId,
          type: m.memberType,
          name: nm.get(m.memberId) ?? m.memberId,
          upn: u?.userPrincipalName ?? null,
          userType: u?.userType ?? null,
          enabled: u?.accountEnabled ?? null,
          lastSignInAt: u?.lastSignInAt?.toISOString() ?? null,
        };
      })
      .sort((a, b) => Number(a.type !== "group") - Number(b.type !== "group") || a.name.localeCompare(b.name)),
    memberOf: [...parents].map(([g, path]) => ({
      id: g,
      name: nm.get(g) ?? g,
      via:
        path.length === 1
          ? "direct"
          : `via ${path
              .slice(0, -1)
              .map((x) => nm.get(x) ?? x)
              .join(" › ")}`,
    })),
    roles,
    apps,
  };
}
export type GroupDetail = NonNullable<Awaited<ReturnType<typeof groupDetail>>>;
