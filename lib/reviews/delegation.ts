/**
 * Delegation by reviewers (#18, item 6): a reviewer hands some or all of their undecided items in an active campaign to
 * a named colleague, with a reason. The colleague takes the reviewer's place on those items (other reviewers of the
 * same items stay); the colleague is notified in the inbox. Refused when the campaign's definition turned delegation off,
 * for items the caller does not review in the current stage or that are already decided, to oneself, to a disabled or
 * unknown account, and to anyone who would receive their own access (nobody reviews themselves). Audited per item with
 * both names (item.delegate).
 */
import { z } from "zod";
import { appendAuditMany } from "@/lib/audit";
import type { Ctx } from "@/lib/db/context";
import { UserError } from "@/lib/errors";
import { materializeItemReviewers } from "./assignments";
import { parseConfig, type Actor } from "./lifecycle";

export const ZDelegate = z.object({
  campaignId: z.string().uuid("Not a campaign id."),
  /** The items to hand over; empty means every undecided item of mine in the current stage. */
  itemIds: z.array(z.string().uuid("Not an item id.")).max(5_000).default([]),
  toUpn: z.string().trim().min(3, "Name the colleague by their sign-in name (UPN).").max(320),
  reason: z.string().trim().min(3, "Say why you hand these items over.").max(1_000),
});
export type DelegateInput = z.input<typeof ZDelegate>;

export async function delegateItems(
  ctx: Ctx,
  actor: Actor,
  raw: DelegateInput,
): Promise<{ delegated: number; to: { id: string; name: string } }> {
  const input = ZDelegate.parse(raw);
  const c = await ctx.db.campaign.findUnique({ where: { id: input.campaignId } });
  if (!c || c.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such campaign.");
  if (c.status !== "active") throw new UserError("conflict", "Only an active campaign's items can be handed over.");
  if (parseConfig(c.config).allowDelegation === false)
    throw new UserError("forbidden", "This campaign does not allow reviewers to hand their items to someone else.");
  const to = await ctx.db.dirUser.findFirst({
    where: { tenantId: ctx.tenantId, userPrincipalName: { in: [input.toUpn, input.toUpn.toLowerCase()] } },
    select: { id: true, displayName: true, accountEnabled: true, userPrincipalName: true },
  });
  if (!to) throw new UserError("invalid", `${input.toUpn} is not a user of this tenant.`);
  if (!to.accountEnabled) throw new UserError("invalid", `${input.toUpn}'s account is disabled.`);
  if (to.id === actor.id) throw new UserError("invalid", "Hand the items to someone other than yourself.");

  return ctx.db.$transaction(
    async (tx) => {
      // Locks the campaign against a concurrent close or stage change, as a decision does: checked again in here.
      const live = await tx.campaign.updateMany({
        where: { id: c.id, status: "active", stage: c.stage },
        data: { updatedAt: ctx.now() },
      });
      if (live.count === 0)
        throw new UserError("conflict", "This campaign was closed or moved on meanwhile: nothing was handed over.");
      // My assignments in the current stage, undecided: the only items I can hand over.
      const mine = await tx.campaignItemReviewer.findMany({
        where: { campaignId: c.id, stage: c.stage, reviewerId: actor.id },
        select: { itemId: true },
      });
      const mineIds = new Set(mine.map((m) => m.itemId));
      const wanted = input.itemIds.length ? [...new Set(input.itemIds)] : [...mineIds];
      if (wanted.some((id) => !mineIds.has(id)))
        throw new UserError("forbidden", "Some of these items are not yours to review. Nothing was changed.");
      const items: { id: string; principalId: string; decision: string | null }[] = [];
      for (let i = 0; i < wanted.length; i += 500)
        items.push(
          ...(await tx.campaignItem.findMany({
            where: { campaignId: c.id, id: { in: wanted.slice(i, i + 500) }, stage: c.stage },
            select: { id: true, principalId: true, decision: true },
          })),
        );
      const open = items.filter((i) => i.decision === null);
      if (input.itemIds.length && open.length !== wanted.length)
        throw new UserError(
          "conflict",
          "Some of these items are already decided; only undecided items can be handed over.",
        );
      if (open.length === 0) throw new UserError("conflict", "You have no undecided items to hand over here.");
      const own = open.filter((i) => i.principalId === to.id).length;
      if (own)
        throw new UserError(
          "invalid",
          `${to.displayName ?? input.toUpn} would review their own access (${own} item(s)): nobody reviews themselves. Leave those items out or pick someone else.`,
        );
      const ids = open.map((i) => i.id);
      await materializeItemReviewers(tx, c.stage, ids);
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        await tx.campaignItemReviewerOverride.deleteMany({
          where: { itemId: { in: part }, stage: c.stage, reviewerId: { in: [actor.id, to.id] } },
        });
        await tx.campaignItemReviewerOverride.createMany({
          data: part.map((itemId) => ({
            campaignId: c.id,
            itemId,
            stage: c.stage,
            reviewerId: to.id,
            relation: "delegate",
          })),
        });
      }
      await appendAuditMany(
        tx,
        ids.map((id) => ({
          actor: { type: "user", id: actor.id, name: actor.name },
          action: "item.delegate",
          target: { type: "campaignItem", id },
          before: { reviewerId: actor.id, reviewerName: actor.name },
          after: { reviewerId: to.id, reviewerName: to.displayName, reviewerUpn: to.userPrincipalName },
          context: { campaignId: c.id, reason: input.reason, bulkSize: ids.length },
        })),
      );
      await tx.notification.create({
        data: {
          tenantId: ctx.tenantId,
          recipientId: to.id,
          kind: "delegated",
          subject: `Access review: ${c.name}`,
          body: `${actor.name} handed you ${ids.length} item(s) to review: ${input.reason}`,
          link: `/reviews/${c.id}`,
          campaignId: c.id,
        },
      });
      return { delegated: ids.length, to: { id: to.id, name: to.displayName ?? input.toUpn } };
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
