"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { stripNul } from "@/lib/input";
import { appendAudit } from "@/lib/audit";
import { actionCaller } from "@/lib/auth";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

const ZSanction = z.object({
  userId: z.guid("Not a user id."),
  policyId: z.guid("Not a policy id.").nullable(),
  reason: z.string().trim().min(3, "Give the reason for the exclusion.").max(500),
  expiresAt: z.coerce.date(),
});

type Result = { ok: true } | { ok: false; error: string };

/** Admin: accept a user's exclusion from a policy (or from every policy) until a date at most one year away. Audited. */
export async function sanctionExclusionAction(input: z.input<typeof ZSanction>): Promise<Result> {
  const caller = await actionCaller("admin");
  if ("ok" in caller) return caller;
  const parsed = ZSanction.safeParse(stripNul(input));
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => i.message).join("; ") };
  const { userId, policyId, reason, expiresAt } = parsed.data;
  const now = Date.now();
  if (expiresAt.getTime() <= now) return { ok: false, error: "The expiry must be in the future." };
  if (expiresAt.getTime() > now + 366 * 86_400_000) return { ok: false, error: "Sanction an exclusion for at most a year; review it again then." };
  const tenantId = env().ENTRA_TENANT_ID;
  if (!(await db().dirUser.findFirst({ where: { id: userId, tenantId }, select: { id: true } }))) return { ok: false, error: "No such user in this tenant." };
  if (policyId && !(await db().dirCaPolicy.findFirst({ where: { id: policyId, tenantId }, select: { id: true } }))) return { ok: false, error: "No such policy in this tenant." };
  await db().$transaction(async (tx) => {
    const row = await tx.sanctionedExclusion.create({ data: { tenantId, userId, policyId, reason, expiresAt, createdById: caller.id } });
    await appendAudit(tx, { actor: { type: "user", id: caller.id, name: caller.name }, action: "exclusion.sanction", target: { type: "user", id: userId }, after: { policyId, reason, expiresAt }, context: { sanctionId: row.id } }, env().DATABASE_URL);
  });
  revalidatePath("/");
  return { ok: true };
}

export async function revokeSanctionAction(input: { id: string }): Promise<Result> {
  const caller = await actionCaller("admin");
  if ("ok" in caller) return caller;
  const id = z.string().uuid().safeParse(input?.id);
  if (!id.success) return { ok: false, error: "Not a sanction id." };
  const row = await db().sanctionedExclusion.findUnique({ where: { id: id.data } });
  if (!row || row.tenantId !== env().ENTRA_TENANT_ID || row.revokedAt) return { ok: false, error: "No such active sanction." };
  await db().$transaction(async (tx) => {
    await tx.sanctionedExclusion.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    await appendAudit(tx, { actor: { type: "user", id: caller.id, name: caller.name }, action: "exclusion.revoke", target: { type: "user", id: row.userId }, before: { policyId: row.policyId, reason: row.reason } }, env().DATABASE_URL);
  });
  revalidatePath("/");
  return { ok: true };
}
