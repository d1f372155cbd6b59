/**
 * Context for one decision (#18, item 5): what a reviewer needs to decide an item without rubber-stamping it. The
 * person (job title, department, manager, account state, member or guest, sponsors, last interactive and
 * non-interactive sign-in, MFA registration), how many of their peers (same manager, same department) hold the same
 * access, their other access (groups, apps, directory roles), and the decision taken on the same access in the latest
 * earlier campaign that reviewed it (who, when, justification). Read from the synced directory and earlier campaigns.
 * Only the item's reviewers (any stage), admins and auditors may read it; for anyone else it does not exist.
 */
import type { Ctx } from "@/lib/db/context";
import { UserError } from "@/lib/errors";
import type { Actor } from "./lifecycle";

export interface PersonRef {
  id: string;
  name: string | null;
  upn: string | null;
}

export interface ItemContext {
  principal: PersonRef & {
    type: string;
    kind: string;
    jobTitle: string | null;
    department: string | null;
    accountEnabled: boolean | null;
    manager: PersonRef | null;
    sponsors: PersonRef[];
    lastSignInAt: string | null;
    lastNonInteractiveSignInAt: string | null;
    mfa: { registered: boolean; methods: string[] } | null;
  };
  resource: { type: string; id: string; name: string | null };
  /** Of the people with the same manager (or department), how many hold this access. Null without one. */
  peers: {
    sameManager: { holding: number; of: number } | null;
    sameDepartment: { holding: number; of: number } | null;
  };
  otherAccess: { groups: string[]; apps: string[]; roles: string[]; more: number };
  previous: {
    campaignId: string;
    campaignName: string;
    decision: string | null;
    outcome: string | null;
    by: string | null;
    at: string | null;
    justification: string | null;
  } | null;
}

const LIST = 25;

/** Who holds a resource: the member ids of a group, the principals assigned an app or a directory role. */
async function holders(ctx: Ctx, type: string, resourceId: string, among: string[]): Promise<number> {
  if (among.length === 0) return 0;
  const ids = among.slice(0, 5_000);
  // Held through nested groups or eligible through PIM (#19): peers counted as direct members of the reviewed group,
  // as for its other items.
  // An eligible owner's peers are the group's owners (#19).
  if (type === "groupOwnerEligible")
    return ctx.db.dirGroupOwner.count({ where: { groupId: resourceId, ownerId: { in: ids } } });
  if (type === "group" || type === "groupNested" || type === "groupEligible")
    return ctx.db.dirGroupMember.count({ where: { groupId: resourceId, memberId: { in: ids } } });
  if (type === "app")
    return (
      await ctx.db.dirAppRoleAssignment.groupBy({
        by: ["principalId"],
        where: { tenantId: ctx.tenantId, resourceId, principalId: { in: ids } },
      })
    ).length;
  return (
    await ctx.db.dirRoleAssignment.groupBy({
      by: ["principalId"],
      where: { tenantId: ctx.tenantId, roleDefinitionId: resourceId, principalId: { in: ids } },
    })
  ).length;
}

export async function itemContext(ctx: Ctx, actor: Actor, campaignId: string, itemId: string): Promise<ItemContext> {
  const { db, tenantId } = ctx;
  const c = await db.campaign.findUnique({
    where: { id: campaignId },
    select: { tenantId: true, startAt: true, status: true },
  });
  // A draft has no items to show: rows a SQLite start committed before activating it are not yet the campaign's.
  const item =
    c?.tenantId === tenantId && c.status !== "draft"
      ? await db.campaignItem.findUnique({ where: { id: itemId } })
      : null;
  if (!c || !item || item.campaignId !== campaignId) throw new UserError("not_found", "No such item.");
  if (actor.role === "reviewer") {
    const mine = await db.campaignItemReviewer.count({ where: { campaignId, itemId, reviewerId: actor.id } });
    if (mine === 0) throw new UserError("forbidden", "This item is not yours to review. Nothing was changed.");
  }
  const u = await db.dirUser.findFirst({ where: { id: item.principalId, tenantId } });
  const person = async (id: string | null | undefined): Promise<PersonRef | null> => {
    if (!id) return null;
    const p = await db.dirUser.findFirst({
      where: { id, tenantId },
      select: { id: true, displayName: true, userPrincipalName: true },
    });
    return p ? { id: p.id, name: p.displayName, upn: p.userPrincipalName } : { id, name: null, upn: null };
  };
  const sponsors = u
    ? await Promise.all(
        (await db.dirSponsor.findMany({ where: { userId: u.id, tenantId }, select: { sponsorId: true } })).map((s) =>
          person(s.sponsorId),
        ),
      )
    : [];
  const mfa = u ? await db.dirMfaRegistration.findUnique({ where: { userId: u.id } }) : null;

  // Peers: the same manager, the same department (the person left out), and how many of them hold this access.
  const peerIds = async (where: { managerId?: string; department?: string }) =>
    (
      await db.dirUser.findMany({
        where: { tenantId, accountEnabled: true, id: { not: item.principalId }, ...where },
        select: { id: true },
        take: 5_000,
      })
    ).map((p) => p.id);
  const share = async (ids: string[]) =>
    ids.length ? { holding: await holders(ctx, item.resourceType, item.resourceId, ids), of: ids.length } : null;
  const sameManager = u?.managerId ? await share(await peerIds({ managerId: u.managerId })) : null;
  const sameDepartment = u?.department ? await share(await peerIds({ department: u.department })) : null;

  // Other access: groups, apps and directory roles other than this one, by name.
  const groups = await db.dirGroupMember.findMany({
    where: { memberId: item.principalId, tenantId, groupId: { not: item.resourceId } },
    select: { groupId: true },
  });
  const groupNames = await db.dirGroup.findMany({
    where: { id: { in: groups.slice(0, LIST).map((g) => g.groupId) } },
    select: { displayName: true },
    orderBy: { displayName: "asc" },
  });
  const apps = await db.dirAppRoleAssignment.findMany({
    where: { principalId: item.principalId, tenantId, resourceId: { not: item.resourceId } },
    select: { resourceDisplayName: true, resourceId: true },
  });
  const roles = await db.dirRoleAssignment.findMany({
    where: { principalId: item.principalId, tenantId, roleDefinitionId: { not: item.resourceId } },
    select: { roleDefinitionId: true },
  });
  const roleNames = await db.dirRoleDefinition.findMany({
    where: { tenantId, id: { in: roles.slice(0, LIST).map((r) => r.roleDefinitionId) } },
    select: { displayName: true },
  });
  const appNames = [...new Set(apps.map((a) => a.resourceDisplayName ?? a.resourceId))];

  // The same access in the latest earlier campaign that reviewed it: its resource's items are one ordinal range.
  const earlier = await db.campaign.findMany({
    where: { tenantId, id: { not: campaignId }, status: { in: ["closed", "applied"] }, closedAt: { lte: c.startAt } },
    orderBy: { closedAt: "desc" },
    select: { id: true, name: true },
    take: 20,
  });
  let previous: ItemContext["previous"] = null;
  for (const e of earlier) {
    const range = await db.campaignResourceReviewer.findFirst({
      where: { campaignId: e.id, resourceId: item.resourceId },
      select: { firstOrdinal: true, lastOrdinal: true },
    });
    if (!range) continue;
    const hit = await db.campaignItem.findFirst({
      where: {
        campaignId: e.id,
        ordinal: { gte: range.firstOrdinal, lte: range.lastOrdinal },
        principalId: item.principalId,
        accessId: item.accessId,
      },
      select: { decision: true, outcome: true, decidedByName: true, decidedAt: true, justification: true },
    });
    if (!hit) continue;
    previous = {
      campaignId: e.id,
      campaignName: e.name,
      decision: hit.decision,
      outcome: hit.outcome,
      by: hit.decidedByName,
      at: hit.decidedAt?.toISOString() ?? null,
      justification: hit.justification,
    };
    break;
  }

  return {
    principal: {
      id: item.principalId,
      name: item.principalName,
      upn: item.principalUpn,
      type: item.principalType,
      kind: item.principalKind,
      jobTitle: u?.jobTitle ?? null,
      department: u?.department ?? null,
      accountEnabled: u?.accountEnabled ?? null,
      manager: await person(u?.managerId),
      sponsors: sponsors.filter((s): s is PersonRef => s !== null),
      lastSignInAt: u?.lastSignInAt?.toISOString() ?? null,
      lastNonInteractiveSignInAt: u?.lastNonInteractiveSignInAt?.toISOString() ?? null,
      mfa: mfa
        ? { registered: mfa.isMfaRegistered, methods: JSON.parse(mfa.methodsRegistered || "[]") as string[] }
        : null,
    },
    resource: { type: item.resourceType, id: item.resourceId, name: item.resourceName },
    peers: { sameManager, sameDepartment },
    otherAccess: {
      groups: groupNames.map((g) => g.displayName ?? "?"),
      apps: appNames.slice(0, LIST),
      roles: roleNames.map((r) => r.displayName ?? "?"),
      more: Math.max(0, groups.length - LIST) + Math.max(0, appNames.length - LIST) + Math.max(0, roles.length - LIST),
    },
    previous,
  };
}
