"use server";

import { databaseFaultMessage } from "@/lib/db/errors";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { stripNul } from "@/lib/input";
import { AuthError, requireRole, type Caller } from "@/lib/auth";
import { db } from "@/lib/db";
import {
  ZCampaignConfig,
  ReviewError,
  applyCampaign,
  advanceStage,
  closeCampaign,
  createCampaign,
  deleteDraft,
  extendCampaign,
  forceDecision,
  notifyReviewers,
  previewApply,
  reassignItems,
  startCampaign,
  type Actor,
  type ApplyPreviewRow,
  type ApplySummary,
} from "@/lib/reviews";
import { appCtx, appGraph } from "@/lib/reviews/app-context";

export type Result<T = object> = ({ ok: true } & T) | { ok: false; error: string };

const ZId = z.string().uuid("Not a campaign id.");

/** Every campaign action: admin only, input parsed, refusals turned into messages (never a 500). */
async function asAdmin<I, T extends object>(schema: z.ZodType<I>, input: unknown, fn: (caller: Caller, actor: Actor, data: I) => Promise<T>): Promise<Result<T>> {
  let caller: Caller;
  try {
    caller = await requireRole("admin");
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, error: e.message };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
  const parsed = schema.safeParse(stripNul(input));
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ") };
  try {
    const out = await fn(caller, { id: caller.id, name: caller.name, role: "admin" }, parsed.data);
    revalidatePath("/campaigns", "layout");
    revalidatePath("/reviews", "layout");
    return { ok: true, ...out };
  } catch (e) {
    if (e instanceof ReviewError) return { ok: false, error: e.message };
    if (e instanceof z.ZodError) return { ok: false, error: e.issues.map((i) => i.message).join("; ") };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
}

const upns = z.array(z.string().trim().toLowerCase().email("Not a user principal name.").max(254)).max(50);
const ZStageForm = z.object({
  reviewers: z.enum(["owners", "managers", "chosen", "self", "sponsors"]),
  chosenUpns: upns.default([]),
  fallbackUpns: upns.default([]),
  durationDays: z.coerce.number().int().min(1).max(90),
  advance: z.array(z.enum(["approve", "revoke", "dontknow", "undecided"])).max(4).default(["approve"]),
});
const ZCreate = z.object({
  name: z.string().trim().min(1, "Name the campaign.").max(120),
  description: z.string().trim().max(2000).default(""),
  scope: z.object({ kind: ZCampaignConfig.shape.scope.shape.kind, groupIds: z.array(z.guid("Not a group id.")).max(500).default([]) }),
  population: z.object({ who: z.enum(["all", "guests", "inactive"]), inactiveDays: z.coerce.number().int().min(1).max(3650).default(90) }),
  stages: z.array(ZStageForm).min(1).max(3),
  startAt: z.coerce.date(),
  recurrence: z.enum(["one_off", "monthly", "quarterly", "semi_annual", "annual"]),
  justification: z.object({ onApprove: z.boolean(), onRevoke: z.boolean() }),
  noResponse: z.enum(["none", "revoke", "recommendation"]),
  autoApply: z.boolean(),
  reminderDaysBefore: z.coerce.number().int().min(0).max(30),
  inactiveDays: z.coerce.number().int().min(1).max(3650),
  maxSyncAgeHours: z.coerce.number().int().min(1).max(720),
});
export type CreateCampaignForm = z.input<typeof ZCreate>;

async function idsForUpns(tenantId: string, list: string[]): Promise<string[]> {
  if (list.length === 0) return [];
  const users = await db().dirUser.findMany({ where: { tenantId, userPrincipalName: { in: list } }, select: { id: true, userPrincipalName: true, accountEnabled: true } });
  const unknown = list.filter((u) => !users.some((x) => x.userPrincipalName?.toLowerCase() === u));
  if (unknown.length) throw new ReviewError("invalid", `Not users of this tenant: ${unknown.join(", ")}.`);
  const disabled = users.filter((u) => !u.accountEnabled);
  if (disabled.length) throw new ReviewError("invalid", `Disabled accounts cannot review: ${disabled.map((d) => d.userPrincipalName).join(", ")}.`);
  return list.map((u) => users.find((x) => x.userPrincipalName?.toLowerCase() === u)!.id);
}

export async function createCampaignAction(input: CreateCampaignForm): Promise<Result<{ campaignId: string }>> {
  return asAdmin(ZCreate, input, async (caller, actor, f) => {
    const stages = [];
    for (const s of f.stages) stages.push({ reviewers: s.reviewers, chosenIds: await idsForUpns(caller.tenantId, s.chosenUpns), fallbackIds: await idsForUpns(caller.tenantId, s.fallbackUpns), durationDays: s.durationDays, advance: s.advance });
    if (f.scope.kind === "groups" && f.scope.groupIds.length) {
      const found = await db().dirGroup.count({ where: { tenantId: caller.tenantId, id: { in: f.scope.groupIds } } });
      if (found !== new Set(f.scope.groupIds).size) throw new ReviewError("invalid", "Some chosen groups are not in this tenant's directory.");
    }
    const { campaignId } = await createCampaign(appCtx(), actor, { name: f.name, description: f.description, config: { ...f, stages } });
    return { campaignId };
  });
}

export async function startCampaignAction(campaignId: string): Promise<Result<{ itemCount: number }>> {
  return asAdmin(ZId, campaignId, async (_c, actor, id) => ({ itemCount: (await startCampaign(appCtx(), actor, id)).itemCount }));
}

export async function deleteDraftAction(campaignId: string): Promise<Result> {
  return asAdmin(ZId, campaignId, async (_c, actor, id) => {
    await deleteDraft(appCtx(), actor, id);
    return {};
  });
}

const ZClose = z.object({ campaignId: ZId, reason: z.string().trim().max(500).optional() });
export async function closeCampaignAction(input: z.input<typeof ZClose>): Promise<Result<{ counts: Record<string, number>; applied?: ApplySummary; applyError?: string }>> {
  return asAdmin(ZClose, input, async (_c, actor, f) => {
    const ctx = appCtx();
    const { counts } = await closeCampaign(ctx, actor, f.campaignId, f.reason || undefined);
    const c = await db().campaign.findUniqueOrThrow({ where: { id: f.campaignId }, select: { config: true } });
    if ((JSON.parse(c.config) as { autoApply?: boolean }).autoApply) {
      // The close stands even when Graph cannot be reached; Apply can be run again later.
      try {
        return { counts, applied: await applyCampaign(ctx, actor, f.campaignId, await appGraph()) };
      } catch (e) {
        if (e instanceof ReviewError) return { counts, applyError: e.message };
        throw e;
      }
    }
    return { counts };
  });
}

export async function previewApplyAction(campaignId: string): Promise<Result<{ total: number; rows: ApplyPreviewRow[] }>> {
  return asAdmin(ZId, campaignId, async (_c, _a, id) => previewApply(appCtx(), id));
}

export async function applyCampaignAction(campaignId: string): Promise<Result<{ summary: ApplySummary }>> {
  return asAdmin(ZId, campaignId, async (_c, actor, id) => ({ summary: await applyCampaign(appCtx(), actor, id, await appGraph()) }));
}

const ZExtend = z.object({ campaignId: ZId, endAt: z.coerce.date(), reason: z.string().trim().min(1, "Give a reason for the extension.").max(500) });
export async function extendCampaignAction(input: z.input<typeof ZExtend>): Promise<Result> {
  return asAdmin(ZExtend, input, async (_c, actor, f) => {
    await extendCampaign(appCtx(), actor, f.campaignId, f.endAt, f.reason);
    return {};
  });
}

export async function remindReviewersAction(campaignId: string): Promise<Result<{ notified: number }>> {
  return asAdmin(ZId, campaignId, async (_c, _a, id) => {
    const c = await db().campaign.findUnique({ where: { id }, select: { stage: true, status: true } });
    if (!c || c.status !== "active") throw new ReviewError("conflict", "Only an active campaign's reviewers can be reminded.");
    return { notified: await notifyReviewers(appCtx(), id, c.stage, "reminder") };
  });
}

export async function advanceStageAction(campaignId: string): Promise<Result<{ advanced: number }>> {
  return asAdmin(ZId, campaignId, async (_c, actor, id) => ({ advanced: (await advanceStage(appCtx(), actor, id)).advanced }));
}

const ZReassign = z.object({
  campaignId: ZId,
  fromReviewerId: z.guid("Not a reviewer id."),
  toUpn: z.string().trim().toLowerCase().email("Enter the new reviewer's user principal name."),
  mode: z.enum(["replace", "add"]),
  reason: z.string().trim().min(1, "Give a reason.").max(500),
});
export async function reassignAction(input: z.input<typeof ZReassign>): Promise<Result<{ moved: number }>> {
  return asAdmin(ZReassign, input, async (caller, actor, f) => {
    const [to] = await idsForUpns(caller.tenantId, [f.toUpn]);
    const undecided = await undecidedOf(f.campaignId, f.fromReviewerId);
    if (undecided.length === 0) throw new ReviewError("invalid", "That reviewer has no undecided items.");
    return { moved: await reassignItems(appCtx(), actor, f.campaignId, undecided, to!, f.mode, f.reason) };
  });
}

/** A reviewer's undecided items in the campaign's current stage. */
async function undecidedOf(campaignId: string, reviewerId: string): Promise<string[]> {
  const c = await db().campaign.findUnique({ where: { id: campaignId }, select: { stage: true } });
  if (!c) throw new ReviewError("not_found", "No such campaign.");
  const items = await db().campaignItemReviewer.findMany({ where: { campaignId, reviewerId, stage: c.stage }, select: { itemId: true } });
  const undecided: string[] = [];
  // In chunks: the driver adapter refuses IN lists of more than about a thousand ids.
  for (let i = 0; i < items.length; i += 500) undecided.push(...(await db().campaignItem.findMany({ where: { id: { in: items.slice(i, i + 500).map((x) => x.itemId) }, decision: null, stage: c.stage }, select: { id: true } })).map((x) => x.id));
  return undecided;
}

const ZSignOff = z.object({
  campaignId: ZId,
  reviewerId: z.guid("Not a reviewer id."),
  decision: z.enum(["approve", "revoke", "dontknow"]),
  reason: z.string().trim().min(1, "Give a reason for deciding on the reviewer's behalf.").max(2_000),
});
/** Escalation: an admin decides a (typically overdue) reviewer's undecided items on their behalf, with a reason; each is audited as forced. */
export async function signOffAction(input: z.input<typeof ZSignOff>): Promise<Result<{ decided: number }>> {
  return asAdmin(ZSignOff, input, async (_caller, actor, f) => {
    const ids = await undecidedOf(f.campaignId, f.reviewerId);
    if (ids.length === 0) throw new ReviewError("invalid", "That reviewer has no undecided items.");
    let decided = 0;
    for (let i = 0; i < ids.length; i += 5_000) decided += await forceDecision(appCtx(), actor, f.campaignId, ids.slice(i, i + 5_000), f.decision, f.reason);
    return { decided };
  });
}
