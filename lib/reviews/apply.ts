/**
 * Applies a closed campaign's revocations to Entra through the one audited write path (graphWrite).
 * Each item is claimed before its Graph call (compare-and-swap on applyStatus), so two applies running
 * at once never send the same DELETE twice; a delete of something already gone is "already removed";
 * failures keep Graph's error and are retried by the next apply; applying twice changes nothing more.
 */
import { appendAudit } from "@/lib/audit";
import { graphWrite, type GraphClient, type WriteOp, type WriteResult } from "@/lib/graph";
import { ReviewError } from "./errors";
import type { Actor, Ctx } from "./lifecycle";

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
  remaining: number;
  status: string;
}

interface ItemForApply {
  id: string;
  principalId: string;
  resourceType: string;
  resourceId: string;
  accessId: string;
}

export function writeOpFor(i: ItemForApply): WriteOp {
  if (i.resourceType === "group") return { kind: "removeGroupMember", groupId: i.resourceId, memberId: i.principalId };
  if (i.resourceType === "directoryRole") return { kind: "removeRoleAssignment", assignmentId: i.accessId };
  return { kind: "removeAppRoleAssignment", servicePrincipalId: i.resourceId, assignmentId: i.accessId };
}

function describe(op: WriteOp): string {
  switch (op.kind) {
    case "removeGroupMember":
      return `DELETE /groups/${op.groupId}/members/${op.memberId}/$ref`;
    case "removeRoleAssignment":
      return `DELETE /roleManagement/directory/roleAssignments/${op.assignmentId}`;
    case "removeAppRoleAssignment":
      return `DELETE /servicePrincipals/${op.servicePrincipalId}/appRoleAssignedTo/${op.assignmentId}`;
    default:
      return op.kind;
  }
}

const RETRYABLE = ["pending", "failed"];
const STALE_CLAIM_MS = 5 * 60_000;

async function closedCampaign(ctx: Ctx, campaignId: string) {
  const c = await ctx.db.campaign.findUnique({ where: { id: campaignId } });
  if (!c || c.tenantId !== ctx.tenantId) throw new ReviewError("not_found", "No such campaign.");
  if (c.status === "draft" || c.status === "active") throw new ReviewError("conflict", "Close the campaign before applying its results.");
  return c;
}

/** Dry run: what apply would remove, with the Graph call for each. */
export async function previewApply(ctx: Ctx, campaignId: string, take = 500): Promise<{ total: number; rows: ApplyPreviewRow[] }> {
  await closedCampaign(ctx, campaignId);
  const where = { campaignId, outcome: "revoke", applyStatus: { in: [...RETRYABLE, "applying"] } };
  const [total, items] = await Promise.all([
    ctx.db.campaignItem.count({ where }),
    ctx.db.campaignItem.findMany({ where, orderBy: { ordinal: "asc" }, take, select: { id: true, principalId: true, principalName: true, principalUpn: true, resourceType: true, resourceId: true, resourceName: true, accessId: true, accessDetail: true, applyStatus: true } }),
  ]);
  return { total, rows: items.map((i) => ({ itemId: i.id, principalName: i.principalName, principalUpn: i.principalUpn, resourceType: i.resourceType, resourceName: i.resourceName, accessDetail: i.accessDetail, applyStatus: i.applyStatus, call: describe(writeOpFor(i)) })) };
}

export async function applyCampaign(ctx: Ctx, actor: Actor, campaignId: string, graph: GraphClient, opts: { concurrency?: number } = {}): Promise<ApplySummary> {
  const c = await closedCampaign(ctx, campaignId);
  const now = () => (ctx.now ? ctx.now() : new Date());
  const auditActor = actor.role === "system" ? { type: "system" as const, name: actor.name } : { type: "user" as const, id: actor.id, name: actor.name };
  const summary = { applied: 0, alreadyRemoved: 0, failed: 0 };
  const staleBefore = new Date(now().getTime() - STALE_CLAIM_MS);
  // Candidates: pending, failed, or claimed by an apply that died more than five minutes ago.
  const candidates = await ctx.db.campaignItem.findMany({
    where: { campaignId, outcome: "revoke", OR: [{ applyStatus: { in: RETRYABLE } }, { applyStatus: "applying", appliedAt: { lt: staleBefore } }] },
    orderBy: { ordinal: "asc" },
    select: { id: true, principalId: true, resourceType: true, resourceId: true, accessId: true, principalName: true, resourceName: true, applyStatus: true },
  });
  const queue = [...candidates];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const claim = await ctx.db.campaignItem.updateMany({
        where: { id: item.id, OR: [{ applyStatus: item.applyStatus ?? "pending" }, { applyStatus: "applying", appliedAt: { lt: staleBefore } }] },
        data: { applyStatus: "applying", appliedAt: now(), applyAttempts: { increment: 1 } },
      });
      if (claim.count === 0) continue; // another apply has it
      const op = writeOpFor(item);
      const target = { type: "campaignItem", id: item.id };
      const result: WriteResult = await graphWrite(graph, op, {
        before: async (o) => {
          await appendAudit(ctx.db, { actor: auditActor, action: "graph.write.intent", target, after: { op: o }, context: { campaignId, principal: item.principalName, resource: item.resourceName } }, ctx.databaseUrl);
        },
        after: async (o, r) => {
          await appendAudit(
            ctx.db,
            { actor: auditActor, action: "graph.write", target, after: { op: o, outcome: r.outcome, error: r.outcome === "failed" ? { status: r.error.status, code: r.error.code, message: r.error.message } : null }, context: { campaignId } },
            ctx.databaseUrl,
          );
        },
      });
      const status = result.outcome === "applied" ? "applied" : result.outcome === "already_removed" ? "alreadyRemoved" : "failed";
      await ctx.db.campaignItem.update({
        where: { id: item.id },
        data: { applyStatus: status, applyError: result.outcome === "failed" ? `${result.error.status} ${result.error.code}: ${result.error.message}` : null, appliedAt: now(), goneFromEntra: status !== "failed" },
      });
      if (status === "applied") summary.applied++;
      else if (status === "alreadyRemoved") summary.alreadyRemoved++;
      else summary.failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, 8)) }, worker));
  const remaining = await ctx.db.campaignItem.count({ where: { campaignId, outcome: "revoke", applyStatus: { in: [...RETRYABLE, "applying"] } } });
  let status = c.status;
  await ctx.db.$transaction(async (tx) => {
    if (remaining === 0) {
      const n = await tx.campaign.updateMany({ where: { id: campaignId, status: "closed" }, data: { status: "applied", appliedAt: now(), appliedById: actor.role === "system" ? null : actor.id, version: { increment: 1 } } });
      if (n.count === 1) status = "applied";
    }
    await appendAudit(tx, { actor: auditActor, action: "campaign.apply", target: { type: "campaign", id: campaignId }, after: { ...summary, remaining, status }, context: { attempted: candidates.length } }, ctx.databaseUrl);
  });
  return { ...summary, remaining, status };
}
