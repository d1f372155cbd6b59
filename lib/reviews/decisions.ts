/**
 * Reviewers' decisions. A reviewer decides only items assigned to them in the item's current stage, only
 * while the campaign is active; a request naming any other item is refused whole, and nothing changes.
 * Each decision appends an audit event saying how it was made (single, bulk and its size, from the
 * recommendation) and the reviewer's relation to the item.
 */
import type { Db } from "@/lib/db/index";
import { appendAuditMany } from "@/lib/audit";
import { z } from "zod";
import { REVOKE_VIA } from "./nested-path";
import { UserError } from "@/lib/errors";
import { parseConfig, type Actor, type Ctx } from "./lifecycle";
import { undecidedWithRecommendation } from "./queries";

export const DECISIONS = ["approve", "revoke", "dontknow"] as const;
export type Decision = (typeof DECISIONS)[number];

const itemId = z.string().uuid("not an item id");
export const ZDecide = z.object({
  campaignId: z.string().uuid("not a campaign id"),
  itemIds: z.array(itemId).min(1, "Select at least one item.").max(5_000, "Decide at most 5,000 items at once."),
  /** "recommendation": each item gets its own recommendation (items without one are left alone). */
  decision: z.enum([...DECISIONS, "recommendation"]),
  justification: z.string().trim().max(2_000, "Keep the justification under 2,000 characters.").optional(),
  /**
   * Revoking access held through nested groups (#19): which membership apply removes ("member": the person from the
   * group they are a direct member of; "nesting": the nested group from the reviewed one). Absent = an admin decides
   * (a manual task). Kept only on such items, and only with "revoke".
   */
  revokeVia: z.enum(REVOKE_VIA, { error: "Choose which membership to remove: member or nesting." }).optional(),
});
export type DecideInput = z.infer<typeof ZDecide>;

export interface DecideResult {
  decided: number;
  skipped: number;
}

const TX = { timeout: 120_000, maxWait: 30_000 };

export function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export async function decide(ctx: Ctx, actor: Actor, raw: DecideInput): Promise<DecideResult> {
  const input = ZDecide.parse(raw);
  const ids = [...new Set(input.itemIds)];
  const campaign = await ctx.db.campaign.findUnique({ where: { id: input.campaignId } });
  if (!campaign || campaign.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such campaign.");
  if (campaign.status !== "active")
    throw new UserError(
      "conflict",
      campaign.status === "draft"
        ? "This campaign has not started yet."
        : "This campaign is closed: decisions can no longer change.",
    );
  const config = parseConfig(campaign.config);
  const now = ctx.now();
  const via = input.decision === "recommendation" ? "recommendation" : ids.length > 1 ? "bulk" : "single";

  return ctx.db.$transaction(async (tx) => {
    // Locks the campaign row (PostgreSQL) / the database (SQLite) against a concurrent close.
    const live = await tx.campaign.updateMany({
      where: { id: campaign.id, status: "active" },
      data: { updatedAt: now },
    });
    if (live.count === 0)
      throw new UserError("conflict", "This campaign was closed meanwhile: decisions can no longer change.");
    const items: {
      id: string;
      stage: number;
      decision: string | null;
      decidedByName: string | null;
      justification: string | null;
      recommendation: string;
      recommendationReason: string;
      principalId: string;
      resourceId: string;
      resourceType: string;
      version: number;
    }[] = [];
    const mine: { itemId: string; stage: number; relation: string }[] = [];
    // The driver adapter caps bound parameters per statement: read in chunks. By id alone, with the campaign checked
    // here: given `campaignId = ? AND id IN (…)`, SQLite (without statistics) walks the campaign's index and reads every
    // item of the campaign for each chunk (a bulk decision took 4.9 s in a 2.8M-item campaign); by id it looks up each.
    for (const part of chunks(ids, 500)) {
      items.push(
        ...(
          await tx.campaignItem.findMany({
            where: { id: { in: part } },
            select: {
              campaignId: true,
              id: true,
              stage: true,
              decision: true,
              decidedByName: true,
              justification: true,
              recommendation: true,
              recommendationReason: true,
              principalId: true,
              resourceId: true,
              resourceType: true,
              version: true,
            },
          })
        ).filter((i) => i.campaignId === campaign.id),
      );
      mine.push(
        ...(await tx.campaignItemReviewer.findMany({
          where: { campaignId: campaign.id, itemId: { in: part }, reviewerId: actor.id },
          select: { itemId: true, stage: true, relation: true },
        })),
      );
    }
    const byId = new Map(items.map((i) => [i.id, i]));
    const relation = new Map<string, string>();
    for (const m of mine) {
      const item = byId.get(m.itemId);
      if (item && item.stage === m.stage) relation.set(m.itemId, m.relation);
    }
    const foreign = ids.length - items.filter((i) => relation.has(i.id)).length;
    if (foreign > 0)
      throw new UserError(
        "forbidden",
        `${foreign} of the ${ids.length} selected item${ids.length === 1 ? " is" : "s are"} not yours to review. Nothing was changed.`,
      );

    const plan = items
      .map((i) => {
        const d: Decision | null =
          input.decision === "recommendation"
            ? i.recommendation === "approve" || i.recommendation === "revoke"
              ? i.recommendation
              : null
            : input.decision;
        return { item: i, decision: d };
      })
      .filter((p): p is { item: (typeof items)[number]; decision: Decision } => p.decision !== null);
    const needs = (d: Decision) =>
      (d === "approve" && config.justification.onApprove) || (d === "revoke" && config.justification.onRevoke);
    const justificationFor = (p: (typeof plan)[number]) =>
      input.justification ||
      (via === "recommendation" ? `Recommendation accepted: ${p.item.recommendationReason}` : undefined);
    const missing = plan.filter((p) => needs(p.decision) && !justificationFor(p));
    if (missing.length)
      throw new UserError(
        "invalid",
        `A justification is required to ${missing[0]!.decision === "approve" ? "approve" : "revoke"} in this campaign.`,
      );

    const revokeViaFor = (p: (typeof plan)[number]) =>
      p.decision === "revoke" && p.item.resourceType === "groupNested" ? (input.revokeVia ?? null) : null;
    // Group identical updates: one statement per (decision, relation, justification, revokeVia).
    const groups = new Map<
      string,
      {
        ids: string[];
        decision: Decision;
        relation: string;
        justification: string | null;
        revokeVia: string | null;
      }
    >();
    for (const p of plan) {
      const j = justificationFor(p) ?? null;
      const rel = relation.get(p.item.id)!;
      const rv = revokeViaFor(p);
      const key = `${p.decision}\u0000${rel}\u0000${j}\u0000${rv}`;
      const g = groups.get(key) ?? { ids: [], decision: p.decision, relation: rel, justification: j, revokeVia: rv };
      g.ids.push(p.item.id);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      for (const part of chunks(g.ids, 500)) {
        await tx.campaignItem.updateMany({
          where: { id: { in: part } }, // ids of this campaign's items only (read above)
          data: {
            decision: g.decision,
            decidedById: actor.id,
            decidedByName: actor.name,
            decidedAt: now,
            justification: g.justification,
            revokeVia: g.revokeVia,
            decisionVia: via,
            bulkSize: via === "single" ? null : plan.length,
            fromRecommendation: via === "recommendation",
            decisionRelation: g.relation,
            version: { increment: 1 },
          },
        });
      }
    }
    await appendAuditMany(
      tx,
      plan.map((p) => ({
        actor: { type: "user" as const, id: actor.id, name: actor.name },
        action: p.item.decision ? "decision.change" : "decision.record",
        target: { type: "campaignItem", id: p.item.id },
        before: p.item.decision
          ? { decision: p.item.decision, by: p.item.decidedByName, justification: p.item.justification }
          : null,
        after: {
          decision: p.decision,
          justification: justificationFor(p) ?? null,
          ...(revokeViaFor(p) ? { revokeVia: revokeViaFor(p) } : {}),
        },
        context: {
          campaignId: campaign.id,
          stage: p.item.stage,
          via,
          bulkSize: plan.length,
          fromRecommendation: via === "recommendation",
          matchesRecommendation: p.decision === p.item.recommendation,
          relation: relation.get(p.item.id),
          principalId: p.item.principalId,
          resourceId: p.item.resourceId,
        },
        at: now,
      })),
    );
    return { decided: plan.length, skipped: ids.length - plan.length };
  }, TX);
}

/** Admin sign-off for items nobody decided (escalation): recorded as forced, with the reason, relation "admin". */
export async function forceDecision(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
  itemIds: string[],
  decision: Decision,
  reason: string,
): Promise<number> {
  if (actor.role !== "admin") throw new UserError("forbidden", "Only an admin can force a decision.");
  if (!reason.trim()) throw new UserError("invalid", "Give a reason for deciding on the reviewers' behalf.");
  const campaign = await ctx.db.campaign.findUnique({ where: { id: campaignId } });
  if (!campaign || campaign.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such campaign.");
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const live = await tx.campaign.updateMany({
      where: { id: campaignId, status: "active" },
      data: { updatedAt: now },
    });
    if (live.count === 0) throw new UserError("conflict", "Only an active campaign's items can be decided.");
    const items: { id: string; decision: string | null; decidedByName: string | null; stage: number }[] = [];
    // By id alone, the campaign checked here (see decide: SQLite would walk the whole campaign per chunk otherwise).
    for (const part of chunks([...new Set(itemIds)], 500))
      for (const { campaignId: of, ...item } of await tx.campaignItem.findMany({
        where: { id: { in: part } },
        select: { campaignId: true, id: true, decision: true, decidedByName: true, stage: true },
      }))
        if (of === campaignId) items.push(item);
    if (items.length !== new Set(itemIds).size)
      throw new UserError("not_found", "Some items are not in this campaign.");
    for (const part of chunks(
      items.map((i) => i.id),
      500,
    ))
      await tx.campaignItem.updateMany({
        where: { id: { in: part } },
        data: {
          decision,
          decidedById: actor.id,
          decidedByName: actor.name,
          decidedAt: now,
          justification: reason,
          // A forced revocation of access through nested groups is an admin's manual task (no reviewer's choice).
          revokeVia: null,
          decisionVia: "forced",
          bulkSize: items.length,
          fromRecommendation: false,
          decisionRelation: "admin",
          version: { increment: 1 },
        },
      });
    await appendAuditMany(
      tx,
      items.map((i) => ({
        actor: { type: "user" as const, id: actor.id, name: actor.name },
        action: "decision.force",
        target: { type: "campaignItem", id: i.id },
        before: i.decision ? { decision: i.decision, by: i.decidedByName } : null,
        after: { decision, justification: reason },
        context: { campaignId, stage: i.stage, via: "forced", bulkSize: items.length, relation: "admin" },
        at: now,
      })),
    );
    return items.length;
  }, TX);
}

export type ItemFilter = {
  q?: string;
  recommendation?: string;
  kind?: "member" | "guest";
  resourceId?: string;
  state?: "decided" | "undecided";
};
export type { Db };

/** "Accept all recommendations": every undecided item of mine in the campaign's current stage that has one (up to 5,000 per call). */
export async function acceptAllRecommendations(ctx: Ctx, actor: Actor, campaignId: string): Promise<DecideResult> {
  const c = await ctx.db.campaign.findUnique({ where: { id: campaignId }, select: { stage: true, tenantId: true } });
  if (!c || c.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such campaign.");
  const itemIds = await undecidedWithRecommendation(ctx, campaignId, actor.id, c.stage);
  if (itemIds.length === 0) return { decided: 0, skipped: 0 };
  return decide(ctx, actor, { campaignId, itemIds, decision: "recommendation" });
}
