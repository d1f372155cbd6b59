"use server";

import { databaseFaultMessage } from "@/lib/db/errors";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { stripNul } from "@/lib/input";
import { actionCaller } from "@/lib/auth";
import { db } from "@/lib/db";
import { ReviewError, ZDecide, decide, type DecideInput } from "@/lib/reviews";
import { appCtx } from "@/lib/reviews/app-context";
import { undecidedWithRecommendation } from "@/lib/reviews/queries";

export type DecisionResult = { ok: true; decided: number; skipped: number } | { ok: false; error: string };

const message = (e: z.ZodError) => e.issues.map((i) => i.message).join("; ");

/**
 * A reviewer's decision on items assigned to them. Any signed-in user of the tenant may call it; the
 * ownership check is per item, in lib/reviews, against the assignments frozen at start. Auditors only read.
 */
export async function decideAction(input: DecideInput): Promise<DecisionResult> {
  const caller = await actionCaller("admin", "reviewer");
  if ("ok" in caller) return caller;
  const parsed = ZDecide.safeParse(stripNul(input));
  if (!parsed.success) return { ok: false, error: message(parsed.error) };
  try {
    const r = await decide(appCtx(), { id: caller.id, name: caller.name, role: caller.role === "admin" ? "admin" : "reviewer" }, parsed.data);
    revalidatePath(`/reviews/${parsed.data.campaignId}`);
    revalidatePath("/reviews");
    return { ok: true, ...r };
  } catch (e) {
    if (e instanceof ReviewError) return { ok: false, error: e.message };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
}

const ZAcceptAll = z.object({ campaignId: z.string().uuid("Not a campaign id.") });

/** "Accept all recommendations": every undecided item of mine in the campaign that has one (up to 5,000 per call). */
export async function acceptAllRecommendationsAction(input: z.input<typeof ZAcceptAll>): Promise<DecisionResult> {
  const caller = await actionCaller("admin", "reviewer");
  if ("ok" in caller) return caller;
  const parsed = ZAcceptAll.safeParse(stripNul(input));
  if (!parsed.success) return { ok: false, error: message(parsed.error) };
  const campaignId = parsed.data.campaignId;
  const c = await db().campaign.findUnique({ where: { id: campaignId }, select: { stage: true, tenantId: true } });
  if (!c || c.tenantId !== caller.tenantId) return { ok: false, error: "No such campaign." };
  const itemIds = await undecidedWithRecommendation(campaignId, caller.id, c.stage, db(), appCtx().databaseUrl);
  if (itemIds.length === 0) return { ok: true, decided: 0, skipped: 0 };
  return decideAction({ campaignId, itemIds, decision: "recommendation" });
}

