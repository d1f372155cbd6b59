/**
 * Applies a closed campaign's revocations to Entra through the one audited write path (graphWrite).
 * Each item is claimed before its Graph call (compare-and-swap on applyStatus), so two applies running
 * at once never send the same DELETE twice; a delete of something already gone is "already removed";
 * failures keep Graph's error and are retried by the next apply; applying twice changes nothing more.
 *
 * Graph cannot change the members of mail-enabled security groups and distribution lists (Exchange owns
 * them), nor of groups synced from Active Directory (AD masters them): it answers 400. Their revocations are not
 * sent; they are marked "manual" with the Exchange Online or Active Directory command to run, and the campaign
 * stays closed until a sync sees them gone (reconcileWithDirectory).
 */
import { appendAudit } from "@/lib/audit";
import {
  graphWrite,
  type GraphClient,
  type MembershipAuthority,
  manualRemoval,
  membershipAuthority,
  type WriteOp,
  type WriteResult,
} from "@/lib/graph";
import { UserError } from "@/lib/errors";
import { approvedApply, DEFAULT_APPROVAL_THRESHOLD, requestApproval } from "@/lib/approvals/store";
import type { Actor, Ctx } from "./lifecycle";
import { hasOtherPaths, nestedLink, parseNestedPath, pathNames, REVOKE_VIA, type RevokeVia } from "./nested-path";
import { parseRoleDetail } from "./role-detail";
import { ZCampaignConfig } from "./definition";
import { blockDeniedGuests } from "./denied-guests";
import { logError } from "@/lib/log";
import { notifyAdmins } from "@/lib/notify/notices";

export interface ApplyPreviewRow {
  itemId: string;
  principalName: string | null;
  principalUpn: string | null;
  resourceType: string;
  resourceName: string | null;
  accessDetail: string | null;
  applyStatus: string | null;
  call: string;
}

export interface ApplySummary {
  applied: number;
  alreadyRemoved: number;
  failed: number;
  /** Revocations in groups Exchange or Active Directory owns, still to be removed there, this run's and earlier ones' (not in remaining: Recert cannot retry them). */
  manual: number;
  remaining: number;
  status: string;
  /** Set when nothing was sent because the apply touches more accounts than the threshold and waits for a second admin. */
  awaitingApproval?: { approvalId: string; accounts: number };
  /** Campaigns that block denied guests (#19): what this apply blocked, failed to block, or refused by the guards. */
  deniedGuests?: { blocked: number; failed: number; refused: number };
}

/** Who owns the membership of a group Graph cannot change, and the group's SID when AD does. */
export interface ManualOwner {
  authority: MembershipAuthority;
  sid: string | null;
}

/**
 * For items in groups whose membership Graph cannot change (as of the latest sync): the owner of each such group,
 * and the on-premises SIDs of the members, which the Active Directory command names them by.
 */
export async function manualOwners(
  ctx: Ctx,
  items: { resourceType: string; resourceId: string; principalId: string }[],
): Promise<{ groups: Map<string, ManualOwner>; sids: Map<string, { sid: string | null; kind: "user" | "group" }> }> {
  const groups = new Map<string, ManualOwner>();
  const sids = new Map<string, { sid: string | null; kind: "user" | "group" }>();
  const groupIds = [...new Set(items.filter((i) => i.resourceType === "group").map((i) => i.resourceId))];
  for (let i = 0; i < groupIds.length; i += 500) {
    const rows = await ctx.db.dirGroup.findMany({
      where: { tenantId: ctx.tenantId, id: { in: groupIds.slice(i, i + 500) } },
      select: { id: true, kind: true, onPremisesSyncEnabled: true, onPremisesSecurityIdentifier: true },
    });
    for (const r of rows) {
      const authority = membershipAuthority(r);
      if (authority !== "graph") groups.set(r.id, { authority, sid: r.onPremisesSecurityIdentifier });
    }
  }
  const members = [
    ...new Set(
      items
        .filter((i) => i.resourceType === "group" && groups.get(i.resourceId)?.authority === "activeDirectory")
        .map((i) => i.principalId),
    ),
  ];
  // A member is a user or a nested group: AD names either by its SID.
  for (let i = 0; i < members.length; i += 500) {
    const part = members.slice(i, i + 500);
    const [users, nested] = await Promise.all([
      ctx.db.dirUser.findMany({
        where: { tenantId: ctx.tenantId, id: { in: part } },
        select: { id: true, onPremisesSecurityIdentifier: true },
      }),
      ctx.db.dirGroup.findMany({
        where: { tenantId: ctx.tenantId, id: { in: part } },
        select: { id: true, onPremisesSecurityIdentifier: true },
      }),
    ]);
    for (const r of users) sids.set(r.id, { sid: r.onPremisesSecurityIdentifier, kind: "user" });
    for (const r of nested) sids.set(r.id, { sid: r.onPremisesSecurityIdentifier, kind: "group" });
  }
  return { groups, sids };
}

/** The manual removal for an item, when its group is owned outside Graph. */
export function manualFor(
  owners: Awaited<ReturnType<typeof manualOwners>>,
  i: { resourceType: string; resourceId: string; principalId: string },
) {
  const owner = i.resourceType === "group" ? owners.groups.get(i.resourceId) : undefined;
  return owner
    ? manualRemoval(
        owner.authority,
        { id: i.resourceId, sid: owner.sid },
        { id: i.principalId, ...owners.sids.get(i.principalId) },
      )
    : null;
}

/**
 * Access held through nested groups (#19): no Graph call removes it by itself. Removing the person from the group they
 * are a direct member of also ends everything else that group gives them; removing the nested group from the reviewed
 * one ends the access for all of its members. Recert does not choose between them: the item becomes a manual task
 * that names both and what each takes away. `alsoThrough` counts this campaign's other groups the person reaches
 * through the same direct membership.
 */
export function nestedManual(
  i: { principalName: string | null; principalId: string; resourceName: string | null; accessDetail: string | null },
  alsoThrough: number,
  why = "so Recert does not remove a membership by itself",
): { where: string; command: string; note: string } {
  const path = pathNames(i.accessDetail);
  const first = path[0] || "the nested group";
  const last = path[path.length - 1] || "the group they are a direct member of";
  const who = i.principalName ?? i.principalId;
  const resource = i.resourceName ?? "the reviewed group";
  const command = `Remove ${who} from ${last}, or remove ${first} from ${resource}`;
  const others =
    alsoThrough > 0
      ? ` and their access to ${alsoThrough} other group${alsoThrough === 1 ? "" : "s"} in this campaign that they reach through it`
      : "";
  return {
    where: "Entra ID (a choice)",
    command,
    note: `${who} holds this access through nested groups (${i.accessDetail ?? "path unknown"}), not as a direct member, ${why}. Removing ${who} from ${last} also ends everything else ${last} gives them${others}; removing ${first} from ${resource} ends this access for every member of ${first}. Make the change in Entra; the next sync shows it.`,
  };
}

/**
 * Why a revoked nested item is left to an admin (null: apply removes the membership the reviewer chose): no choice, a
 * second path the choice would not cut, or (taking the nested group out) other decisions that approved access through
 * that group, which the removal would end too.
 */
function nestedManualReason(
  i: { resourceType: string; revokeVia?: string | null; accessDetail: string | null; id: string },
  approvedCuts: Set<string>,
): string | null {
  if (i.resourceType !== "groupNested") return null;
  if (!i.revokeVia) return "so Recert does not remove a membership by itself";
  if (hasOtherPaths(i.accessDetail))
    return "and by more than one path, so removing the one membership chosen would not end it";
  if (approvedCuts.has(i.id))
    return "and other decisions in this campaign approved access through the nested group that the reviewer chose to remove";
  return null;
}

/** The synced users in a group at any depth (nested groups followed breadth first, cycles tolerated). */
async function transitiveUsers(ctx: Ctx, groupId: string): Promise<Set<string>> {
  const users = new Set<string>();
  const seen = new Set([groupId]);
  for (let level = [groupId]; level.length; ) {
    const next: string[] = [];
    for (let k = 0; k < level.length; k += 500)
      for (const m of await ctx.db.dirGroupMember.findMany({
        where: { tenantId: ctx.tenantId, groupId: { in: level.slice(k, k + 500) } },
        select: { memberId: true, memberType: true },
      })) {
        if (m.memberType === "user") users.add(m.memberId);
        else if (m.memberType === "group" && !seen.has(m.memberId)) {
          seen.add(m.memberId);
          next.push(m.memberId);
        }
      }
    level = next;
  }
  return users;
}

/**
 * This campaign's items held through nested groups per person and direct membership (principal|group id, the last
 * group of the path), for `nestedManual`'s count of what else a removal from that group takes.
 */
export async function nestedPaths(ctx: Ctx, campaignId: string): Promise<Map<string, number>> {
  const rows = await ctx.db.campaignItem.findMany({
    where: { campaignId, resourceType: "groupNested" },
    select: { principalId: true, accessId: true },
  });
  const out = new Map<string, number>();
  for (const r of rows) {
    const k = nestedKey(r);
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}
const nestedKey = (i: { principalId: string; accessId: string }) =>
  `${i.principalId}|${parseNestedPath(i.accessId)?.at(-1) ?? i.accessId}`;

/**
 * The membership apply works on: for an item held through nested groups with the reviewer's choice (#19), that one
 * link as a plain group membership (so groups owned by Active Directory or Exchange get their manual command as any
 * other); else the item itself.
 */
export function effectiveItem<
  T extends {
    resourceType: string;
    resourceId: string;
    principalId: string;
    accessId: string;
    accessDetail: string | null;
  },
>(i: T & { revokeVia?: string | null }): T {
  if (i.resourceType !== "groupNested" || !i.revokeVia || hasOtherPaths(i.accessDetail)) return i;
  const link = nestedLink(i, i.revokeVia as RevokeVia);
  return link ? { ...i, resourceType: "group", resourceId: link.groupId, principalId: link.memberId } : i;
}

interface ItemForApply {
  id: string;
  principalId: string;
  resourceType: string;
  resourceId: string;
  accessId: string;
  accessDetail: string | null;
  /** Items held through nested groups: the reviewer's choice of membership (./nested-path.ts). */
  revokeVia?: string | null;
}

/** A revoked item no Graph call can be made for (its role detail cannot be read): failed, with the reason. */
class NoWriteFor extends Error {
  override readonly name = "NoWriteFor";
}

export function writeOpFor(i: ItemForApply): WriteOp {
  if (i.resourceType === "groupNested") {
    // Only the membership the reviewer chose; without a choice the item is a manual task (nestedManual), never here.
    if (!i.revokeVia || !(REVOKE_VIA as readonly string[]).includes(i.revokeVia))
      throw new NoWriteFor("No membership was chosen for this access held through nested groups.");
    if (hasOtherPaths(i.accessDetail))
      throw new NoWriteFor("This access is held through more than one nested path: one removal would not end it.");
    const link = nestedLink(i, i.revokeVia as RevokeVia);
    if (!link) throw new NoWriteFor(`The nested item's path cannot be read: ${JSON.stringify(i.accessId)}.`);
    return { kind: "removeGroupMember", groupId: link.groupId, memberId: link.memberId };
  }
  if (i.resourceType === "group") return { kind: "removeGroupMember", groupId: i.resourceId, memberId: i.principalId };
  if (i.resourceType === "groupEligible" || i.resourceType === "groupOwnerEligible")
    return {
      kind: "removeGroupEligibility",
      groupId: i.resourceId,
      principalId: i.principalId,
      accessId: i.resourceType === "groupOwnerEligible" ? "owner" : "member",
      justification: `Revoked in a Recert access review (item ${i.id}).`,
    };
  if (i.resourceType === "directoryRole" || i.resourceType === "directoryRoleEligible") {
    // The state, end and scope freeze wrote (./role-detail.ts). An unreadable detail is refused, never read as
    // tenant-wide: that could name another grant of the same role.
    // Items frozen before #19 say only "tenant-wide" or "scope …": active assignments, removed by DELETE as then.
    if (i.resourceType === "directoryRole" && /^(tenant-wide|scope .+)$/.test(i.accessDetail ?? ""))
      return { kind: "removeRoleAssignment", assignmentId: i.accessId };
    const d = parseRoleDetail(i.accessDetail);
    if (!d || (d.state === "eligible") !== (i.resourceType === "directoryRoleEligible"))
      throw new NoWriteFor(`The role item's access detail cannot be read: ${JSON.stringify(i.accessDetail)}.`);
    // A permanent assignment goes by DELETE; a time-bound one is PIM's schedule, removed through PIM like an
    // eligibility.
    if (d.state === "active" && !d.until) return { kind: "removeRoleAssignment", assignmentId: i.accessId };
    return {
      kind: d.state === "active" ? "removeRoleAssignmentSchedule" : "removeRoleEligibility",
      principalId: i.principalId,
      roleDefinitionId: i.resourceId,
      directoryScopeId: d.scope,
      justification: `Revoked in a Recert access review (item ${i.id}).`,
    };
  }
  return { kind: "removeAppRoleAssignment", servicePrincipalId: i.resourceId, assignmentId: i.accessId };
}

function describeItem(i: ItemForApply): string {
  try {
    return describe(writeOpFor(i));
  } catch (e) {
    if (e instanceof NoWriteFor) return `none: ${e.message}`;
    throw e;
  }
}

function describe(op: WriteOp): string {
  switch (op.kind) {
    case "removeGroupMember":
      return `DELETE /groups/${op.groupId}/members/${op.memberId}/$ref`;
    case "removeRoleAssignment":
      return `DELETE /roleManagement/directory/roleAssignments/${op.assignmentId}`;
    case "removeAppRoleAssignment":
      return `DELETE /servicePrincipals/${op.servicePrincipalId}/appRoleAssignedTo/${op.assignmentId}`;
    case "removeGroupEligibility":
      return `POST /identityGovernance/privilegedAccess/group/eligibilityScheduleRequests (adminRemove: principal ${op.principalId}, group ${op.groupId}, ${op.accessId})`;
    case "removeRoleEligibility":
    case "removeRoleAssignmentSchedule":
      return `POST /roleManagement/directory/${op.kind === "removeRoleEligibility" ? "roleEligibilityScheduleRequests" : "roleAssignmentScheduleRequests"} (adminRemove: principal ${op.principalId}, role ${op.roleDefinitionId}, scope ${op.directoryScopeId})`;
    default:
      return op.kind;
  }
}

const RETRYABLE = ["pending", "failed"];
const STALE_CLAIM_MS = 5 * 60_000;

async function closedCampaign(ctx: Ctx, campaignId: string) {
  const c = await ctx.db.campaign.findUnique({ where: { id: campaignId } });
  if (!c || c.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such campaign.");
  if (c.status === "draft" || c.status === "active")
    throw new UserError("conflict", "Close the campaign before applying its results.");
  return c;
}

/** Dry run: what apply would remove, with the Graph call for each. */
export async function previewApply(
  ctx: Ctx,
  campaignId: string,
  take = 500,
): Promise<{ total: number; rows: ApplyPreviewRow[] }> {
  await closedCampaign(ctx, campaignId);
  const where = { campaignId, outcome: "revoke", applyStatus: { in: [...RETRYABLE, "applying"] } };
  const [total, items] = await Promise.all([
    ctx.db.campaignItem.count({ where }),
    ctx.db.campaignItem.findMany({
      where,
      orderBy: { ordinal: "asc" },
      take,
      select: {
        id: true,
        principalId: true,
        principalName: true,
        principalUpn: true,
        resourceType: true,
        resourceId: true,
        resourceName: true,
        accessId: true,
        accessDetail: true,
        revokeVia: true,
        applyStatus: true,
      },
    }),
  ]);
  const owners = await manualOwners(ctx, items.map(effectiveItem));
  const paths = items.some((i) => i.resourceType === "groupNested") ? await nestedPaths(ctx, campaignId) : new Map();
  const manualOf = (i: (typeof items)[number]) => {
    // The preview does not weigh other decisions' approvals (apply does, at the time it runs).
    const why = nestedManualReason(i, new Set());
    return why ? nestedManual(i, (paths.get(nestedKey(i)) ?? 1) - 1, why) : manualFor(owners, effectiveItem(i));
  };
  return {
    total,
    rows: items.map((i) => ({
      itemId: i.id,
      principalName: i.principalName,
      principalUpn: i.principalUpn,
      resourceType: i.resourceType,
      resourceName: i.resourceName,
      accessDetail: i.accessDetail,
      applyStatus: i.applyStatus,
      call: ((m) => (m ? `${m.where} (manual): ${m.command}` : describeItem(i)))(manualOf(i)),
    })),
  };
}

export async function applyCampaign(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
  graph: GraphClient,
  opts: { concurrency?: number; approvalThreshold?: number; protectedUpns?: readonly string[] } = {},
): Promise<ApplySummary> {
  const c = await closedCampaign(ctx, campaignId);
  const now = ctx.now;
  const auditActor =
    actor.role === "system"
      ? { type: "system" as const, name: actor.name }
      : { type: "user" as const, id: actor.id, name: actor.name };
  const summary = { applied: 0, alreadyRemoved: 0, failed: 0, manual: 0 };
  const staleBefore = new Date(now().getTime() - STALE_CLAIM_MS);
  // Candidates: pending, failed, or claimed by an apply that died more than five minutes ago.
  const candidates = await ctx.db.campaignItem.findMany({
    where: {
      campaignId,
      outcome: "revoke",
      OR: [{ applyStatus: { in: RETRYABLE } }, { applyStatus: "applying", appliedAt: { lt: staleBefore } }],
    },
    orderBy: { ordinal: "asc" },
    select: {
      id: true,
      principalId: true,
      resourceType: true,
      resourceId: true,
      accessId: true,
      accessDetail: true,
      revokeVia: true,
      principalName: true,
      principalType: true,
      resourceName: true,
      applyStatus: true,
    },
  });
  const owners = await manualOwners(ctx, candidates.map(effectiveItem));
  const paths = candidates.some((i) => i.resourceType === "groupNested")
    ? await nestedPaths(ctx, campaignId)
    : new Map<string, number>();
  // Four eyes (#16): removing access from more accounts than the threshold waits for a second admin's approval; an
  // approval covers the campaign's later retries.
  const affected = new Set(candidates.map((i) => i.principalId));
  // Taking a group out of a reviewed group (a reviewer's "nesting" choice on a nested item, or a revoked nested group's
  // own item, #19) ends that access for every user in it, at any depth, whether or not the campaign reviews them
  // (population, exclusions): they count, from the synced memberships.
  const groupCuts = new Map<string, { resourceId: string; groupId: string; itemIds: string[] }>();
  for (const i of candidates) {
    const groupId =
      i.resourceType === "groupNested" && i.revokeVia === "nesting" && !hasOtherPaths(i.accessDetail)
        ? parseNestedPath(i.accessId)?.[0]
        : i.resourceType === "group" && i.principalType === "group"
          ? i.principalId
          : undefined;
    if (!groupId) continue;
    const k = `${i.resourceId}|${groupId}`;
    const cut = groupCuts.get(k) ?? { resourceId: i.resourceId, groupId, itemIds: [] };
    cut.itemIds.push(i.id);
    groupCuts.set(k, cut);
  }
  // A reviewer's "nesting" choice that would also end access other decisions approved (the nested group's own item, or
  // someone else's item through that group) is left to an admin instead.
  const approvedCuts = new Set<string>();
  for (const cut of groupCuts.values()) {
    for (const u of await transitiveUsers(ctx, cut.groupId)) affected.add(u);
    const approved = await ctx.db.campaignItem.count({
      where: {
        campaignId,
        resourceId: cut.resourceId,
        outcome: "approve",
        OR: [
          { resourceType: "group", principalId: cut.groupId },
          { resourceType: "groupNested", accessId: cut.groupId },
          { resourceType: "groupNested", accessId: { startsWith: `${cut.groupId}>` } },
        ],
      },
    });
    if (approved) for (const id of cut.itemIds) approvedCuts.add(id);
  }
  // A group's eligibility for a group's membership or ownership (PIM for Groups, #19) is every member's: they count as
  // for a removed group.
  for (const i of candidates)
    if ((i.resourceType === "groupEligible" || i.resourceType === "groupOwnerEligible") && i.principalType === "group")
      for (const u of await transitiveUsers(ctx, i.principalId)) affected.add(u);
  const accounts = affected.size;
  const threshold = opts.approvalThreshold ?? DEFAULT_APPROVAL_THRESHOLD;
  if (accounts > threshold && !(await approvedApply(ctx, campaignId))) {
    const { approval } = await requestApproval(
      ctx,
      actor.role === "system"
        ? { id: null, name: actor.name, role: "system" }
        : { id: actor.id, name: actor.name, role: "admin" },
      {
        kind: "apply",
        subjectId: campaignId,
        summary: `Apply "${c.name}": remove ${candidates.length} accesses from ${accounts} accounts in Entra`,
        accounts,
        payload: { campaignId },
      },
    );
    const remaining = await ctx.db.campaignItem.count({
      where: { campaignId, outcome: "revoke", applyStatus: { in: [...RETRYABLE, "applying"] } },
    });
    return { ...summary, remaining, status: c.status, awaitingApproval: { approvalId: approval.id, accounts } };
  }
  const queue = [...candidates];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const claim = await ctx.db.campaignItem.updateMany({
        where: {
          id: item.id,
          OR: [
            { applyStatus: item.applyStatus ?? "pending" },
            { applyStatus: "applying", appliedAt: { lt: staleBefore } },
          ],
        },
        data: { applyStatus: "applying", appliedAt: now(), applyAttempts: { increment: 1 } },
      });
      if (claim.count === 0) continue; // another apply has it
      const target = { type: "campaignItem", id: item.id };
      const nestedWhy = nestedManualReason(item, approvedCuts);
      const manual = nestedWhy
        ? nestedManual(item, (paths.get(nestedKey(item)) ?? 1) - 1, nestedWhy)
        : manualFor(owners, effectiveItem(item));
      if (manual) {
        await ctx.db.$transaction(async (tx) => {
          await tx.campaignItem.update({
            where: { id: item.id },
            data: { applyStatus: "manual", applyError: manual.note, appliedAt: now() },
          });
          await appendAudit(tx, {
            actor: auditActor,
            action: "apply.manual",
            target,
            after: { applyStatus: "manual", where: manual.where, command: manual.command },
            context: { campaignId, principal: item.principalName, resource: item.resourceName },
          });
        });
        continue;
      }
      let op: WriteOp;
      try {
        op = writeOpFor(item);
      } catch (e) {
        if (!(e instanceof NoWriteFor)) throw e;
        const error = { status: 0, code: "unreadable_item", message: e.message };
        await ctx.db.$transaction(async (tx) => {
          await tx.campaignItem.update({
            where: { id: item.id },
            data: { applyStatus: "failed", applyError: `${error.code}: ${error.message}`, appliedAt: now() },
          });
          await appendAudit(tx, {
            actor: auditActor,
            action: "graph.write",
            target,
            after: { op: null, outcome: "failed", error },
            context: { campaignId },
          });
        });
        summary.failed++;
        continue;
      }
      const result: WriteResult = await graphWrite(graph, op, {
        before: async (o) => {
          await appendAudit(ctx.db, {
            actor: auditActor,
            action: "graph.write.intent",
            target,
            after: { op: o },
            context: { campaignId, principal: item.principalName, resource: item.resourceName },
          });
        },
        after: async (o, r) => {
          await appendAudit(ctx.db, {
            actor: auditActor,
            action: "graph.write",
            target,
            after: {
              op: o,
              outcome: r.outcome,
              error:
                r.outcome === "failed"
                  ? { status: r.error.status, code: r.error.code, message: r.error.message }
                  : null,
            },
            context: { campaignId },
          });
        },
      });
      const status =
        result.outcome === "applied" ? "applied" : result.outcome === "already_removed" ? "alreadyRemoved" : "failed";
      await ctx.db.campaignItem.update({
        where: { id: item.id },
        data: {
          applyStatus: status,
          applyError:
            result.outcome === "failed" ? `${result.error.status} ${result.error.code}: ${result.error.message}` : null,
          appliedAt: now(),
          goneFromEntra: status !== "failed",
        },
      });
      if (status === "applied") summary.applied++;
      else if (status === "alreadyRemoved") summary.alreadyRemoved++;
      else summary.failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, 8)) }, worker));
  // Denied guests (#19): those whose every item was revoked and removed are blocked, their deletion scheduled.
  const deniedGuestsOption = ZCampaignConfig.parse(JSON.parse(c.config)).deniedGuests;
  // A failure here must not cost the apply its record: it is counted, and the next apply retries the blocks.
  const deniedGuests = deniedGuestsOption?.blockThenDelete
    ? await blockDeniedGuests(
        ctx,
        { id: c.id, name: c.name, deleteAfterDays: deniedGuestsOption.deleteAfterDays },
        graph,
        auditActor,
        opts.protectedUpns,
      ).catch((e: Error) => {
        logError("blocking denied guests failed", e, { campaignId });
        return { blocked: 0, failed: 1, refused: 0 };
      })
    : undefined;
  const remaining = await ctx.db.campaignItem.count({
    where: { campaignId, outcome: "revoke", applyStatus: { in: [...RETRYABLE, "applying"] } },
  });
  const manual = await ctx.db.campaignItem.count({ where: { campaignId, outcome: "revoke", applyStatus: "manual" } });
  summary.manual = manual;
  let status = c.status;
  await ctx.db.$transaction(async (tx) => {
    if (remaining === 0 && manual === 0) {
      const n = await tx.campaign.updateMany({
        where: { id: campaignId, status: "closed" },
        data: {
          status: "applied",
          appliedAt: now(),
          appliedById: actor.role === "system" ? null : actor.id,
          version: { increment: 1 },
        },
      });
      if (n.count === 1) status = "applied";
    }
    await appendAudit(tx, {
      actor: auditActor,
      action: "campaign.apply",
      target: { type: "campaign", id: campaignId },
      after: { ...summary, remaining, status, ...(deniedGuests ? { deniedGuests } : {}) },
      context: { attempted: candidates.length },
    });
  });
  return { ...summary, remaining, status, ...(deniedGuests ? { deniedGuests } : {}) };
}

/**
 * After a sync, in two steps. First, items of open campaigns (active or closed, not yet removed by Recert)
 * are flagged when their access is no longer in Entra ("already removed": someone removed it meanwhile) and
 * unflagged if it came back; the items themselves never change. One statement per campaign.
 * Then revocations left to Exchange ("manual") that are flagged gone are confirmed removed, each audited
 * with the sync that saw it (a complete sync finished after the item was marked), and a campaign with
 * nothing left to remove becomes applied.
 */
export async function reconcileWithDirectory(
  ctx: Ctx,
): Promise<{ flagged: number; confirmed: number; campaignsApplied: string[]; returned: number }> {
  const campaigns = await ctx.db.campaign.findMany({
    where: { tenantId: ctx.tenantId, status: { in: ["active", "closed"] } },
    select: { id: true, status: true, name: true },
  });
  // An item held through nested groups (#19) holds while the person is in the last group of its path and the first
  // group is in the reviewed one (the ends a removal cuts; its accessId is the path's group ids, 36 characters each).
  // One reached by more than one path is never flagged: a cut path would not mean the access is gone.
  const holds = `CASE i."resourceType"
      WHEN 'group' THEN EXISTS (SELECT 1 FROM "DirGroupMember" m WHERE m."groupId" = i."resourceId" AND m."memberId" = i."principalId")
      WHEN 'groupNested' THEN (i."accessDetail" LIKE '% other path%)'
        OR (EXISTS (SELECT 1 FROM "DirGroupMember" m WHERE m."groupId" = substr(i."accessId", length(i."accessId") - 35, 36) AND m."memberId" = i."principalId")
        AND EXISTS (SELECT 1 FROM "DirGroupMember" m WHERE m."groupId" = i."resourceId" AND m."memberId" = substr(i."accessId", 1, 36))))
      WHEN 'directoryRole' THEN EXISTS (SELECT 1 FROM "DirRoleAssignment" r WHERE r."id" = i."accessId")
      WHEN 'directoryRoleEligible' THEN EXISTS (SELECT 1 FROM "DirRoleSchedule" r WHERE r."id" = i."accessId")
      WHEN 'groupEligible' THEN EXISTS (SELECT 1 FROM "DirGroupSchedule" s WHERE s."groupId" = i."resourceId" AND s."principalId" = i."principalId" AND s."kind" = 'eligible' AND s."accessId" = 'member')
      WHEN 'groupOwnerEligible' THEN EXISTS (SELECT 1 FROM "DirGroupSchedule" s WHERE s."groupId" = i."resourceId" AND s."principalId" = i."principalId" AND s."kind" = 'eligible' AND s."accessId" = 'owner')
      ELSE EXISTS (SELECT 1 FROM "DirAppRoleAssignment" a WHERE a."id" = i."accessId") END`;
  let flagged = 0;
  for (const c of campaigns) {
    // A flag that disagrees with the directory is flipped (gone while held, or held while gone).
    flagged += await ctx.db.$executeRawUnsafe(
      `UPDATE "CampaignItem" AS i SET "goneFromEntra" = NOT i."goneFromEntra"
       WHERE i."campaignId" = ${ctx.dialect.p(1)} AND (i."applyStatus" IS NULL OR i."applyStatus" IN ('pending', 'failed', 'manual'))
         AND i."goneFromEntra" = (${holds})`,
      c.id,
    );
  }

  const run = await ctx.db.syncRun.findFirst({
    where: { tenantId: ctx.tenantId, status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    select: { id: true, finishedAt: true },
  });
  const system = { type: "system" as const, name: "sync" };
  let confirmed = 0;
  const campaignsApplied: string[] = [];
  for (const c of run?.finishedAt ? campaigns.filter((x) => x.status === "closed") : []) {
    const gone = await ctx.db.campaignItem.findMany({
      where: { campaignId: c.id, applyStatus: "manual", goneFromEntra: true, appliedAt: { lt: run!.finishedAt! } },
      select: { id: true, principalName: true, resourceName: true },
    });
    if (gone.length === 0) continue;
    for (const item of gone) {
      await ctx.db.$transaction(async (tx) => {
        const n = await tx.campaignItem.updateMany({
          where: { id: item.id, applyStatus: "manual" },
          data: { applyStatus: "removedManually", applyError: null },
        });
        if (n.count === 0) return;
        confirmed++;
        await appendAudit(tx, {
          actor: system,
          action: "apply.confirmed",
          target: { type: "campaignItem", id: item.id },
          before: { applyStatus: "manual" },
          after: { applyStatus: "removedManually" },
          context: { campaignId: c.id, syncRunId: run!.id, principal: item.principalName, resource: item.resourceName },
        });
      });
    }
    const left = await ctx.db.campaignItem.count({
      where: { campaignId: c.id, outcome: "revoke", applyStatus: { in: [...RETRYABLE, "applying", "manual"] } },
    });
    if (left > 0) continue;
    await ctx.db.$transaction(async (tx) => {
      const n = await tx.campaign.updateMany({
        where: { id: c.id, status: "closed" },
        data: { status: "applied", appliedAt: ctx.now(), version: { increment: 1 } },
      });
      if (n.count === 1) {
        campaignsApplied.push(c.id);
        await appendAudit(tx, {
          actor: system,
          action: "campaign.apply",
          target: { type: "campaign", id: c.id },
          after: { status: "applied", remaining: 0 },
          context: { confirmedBySync: run!.id },
        });
        await notifyAdmins(tx, ctx.tenantId, ctx.now(), {
          campaignId: c.id,
          kind: "applied",
          subject: `Applied: ${c.name}`,
          body: "Every revocation of this review is confirmed gone from Entra by a sync. Its final evidence is in Reports.",
          link: `/campaigns/${c.id}`,
        });
      }
    });
  }
  const returned = run ? await flagReturnedRevocations(ctx, run.id, holds) : 0;
  return { flagged, confirmed, campaignsApplied, returned };
}

/**
 * Revocations that did not hold (#17): access a campaign removed (by Graph, already gone, or by hand in AD or
 * Exchange) that a later sync sees again (re-added by someone, a dynamic rule, Active Directory). Each is flagged once
 * with the sync that saw it, and audited; the campaign page, the dashboard and the reports show them.
 */
async function flagReturnedRevocations(ctx: Ctx, runId: string, holds: string): Promise<number> {
  const rows = await ctx.db.$queryRawUnsafe<
    { id: string; campaignId: string; principalName: string | null; resourceName: string | null }[]
  >(
    `SELECT i."id", i."campaignId", i."principalName", i."resourceName" FROM "CampaignItem" AS i
     JOIN "Campaign" AS c ON c."id" = i."campaignId"
     WHERE c."tenantId" = ${ctx.dialect.p(1)} AND c."status" IN ('closed', 'applied') AND i."outcome" = 'revoke'
       AND i."applyStatus" IN ('applied', 'alreadyRemoved', 'removedManually') AND i."returnedAt" IS NULL
       AND (${holds})`,
    ctx.tenantId,
  );
  const now = ctx.now();
  for (const r of rows)
    await ctx.db.$transaction(async (tx) => {
      const n = await tx.campaignItem.updateMany({
        where: { id: r.id, returnedAt: null },
        data: { returnedAt: now, returnedRunId: runId },
      });
      if (n.count === 0) return;
      await appendAudit(tx, {
        actor: { type: "system", name: "sync" },
        action: "revocation.returned",
        target: { type: "campaignItem", id: r.id },
        after: { returnedAt: now.toISOString() },
        context: { campaignId: r.campaignId, syncRunId: runId, principal: r.principalName, resource: r.resourceName },
      });
    });
  return rows.length;
}

/** A campaign's revocations that a later sync saw back, for its page. */
export async function returnedItems(db: Ctx["db"], campaignId: string) {
  return db.campaignItem.findMany({
    where: { campaignId, returnedAt: { not: null } },
    orderBy: { ordinal: "asc" },
    take: 200,
    select: {
      id: true,
      ordinal: true,
      principalName: true,
      principalUpn: true,
      resourceName: true,
      returnedAt: true,
      returnedRunId: true,
    },
  });
}
