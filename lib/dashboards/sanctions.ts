/**
 * Sanctioned exclusions: an admin accepts that a user is left out of a conditional-access policy (or of
 * every policy, e.g. a break-glass account) until a date at most a year away, with a reason. Audited in
 * the same transaction; the dashboard's coverage buckets count such users apart.
 */
import "server-only";
import { z } from "zod";
import { appendAudit } from "@/lib/audit";
import type { Ctx } from "@/lib/db";
import { UserError } from "@/lib/errors";

export const ZSanction = z.object({
  userId: z.guid("Not a user id."),
  policyId: z.guid("Not a policy id.").nullable(),
  reason: z.string().trim().min(3, "Give the reason for the exclusion.").max(500),
  expiresAt: z.coerce.date(),
});
export type TSanction = z.output<typeof ZSanction>;

interface Actor {
  id: string;
  name: string;
}

export async function sanctionExclusion(ctx: Ctx, actor: Actor, input: TSanction): Promise<{ sanctionId: string }> {
  const { userId, policyId, reason, expiresAt } = input;
  const now = ctx.now().getTime();
  if (expiresAt.getTime() <= now) throw new UserError("invalid", "The expiry must be in the future.");
  if (expiresAt.getTime() > now + 366 * 86_400_000)
    throw new UserError("invalid", "Sanction an exclusion for at most a year; review it again then.");
  const { db, tenantId } = ctx;
  if (!(await db.dirUser.findFirst({ where: { id: userId, tenantId }, select: { id: true } })))
    throw new UserError("not_found", "No such user in this tenant.");
  if (policyId && !(await db.dirCaPolicy.findFirst({ where: { id: policyId, tenantId }, select: { id: true } })))
    throw new UserError("not_found", "No such policy in this tenant.");
  return db.$transaction(async (tx) => {
    const row = await tx.sanctionedExclusion.create({
      data: { tenantId, userId, policyId, reason, expiresAt, createdById: actor.id },
    });
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "exclusion.sanction",
      target: { type: "user", id: userId },
      after: { policyId, reason, expiresAt },
      context: { sanctionId: row.id },
    });
    return { sanctionId: row.id };
  });
}

export async function revokeSanction(ctx: Ctx, actor: Actor, id: string): Promise<void> {
  const row = await ctx.db.sanctionedExclusion.findUnique({ where: { id } });
  if (!row || row.tenantId !== ctx.tenantId || row.revokedAt)
    throw new UserError("not_found", "No such active sanction.");
  await ctx.db.$transaction(async (tx) => {
    await tx.sanctionedExclusion.update({ where: { id: row.id }, data: { revokedAt: ctx.now() } });
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "exclusion.revoke",
      target: { type: "user", id: row.userId },
      before: { policyId: row.policyId, reason: row.reason },
    });
  });
}
