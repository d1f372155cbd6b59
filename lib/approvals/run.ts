/**
 * A second admin's decision and, for an approval, carrying out what was asked under both names. What an approval
 * runs (an expiry, a campaign apply) lives in lib/guests and lib/reviews, which sit above this folder; the caller
 * hands them in, so four eyes stays one small module both of them use.
 */
import type { Ctx } from "@/lib/db/context";
import { UserError } from "@/lib/errors";
import { type ApprovedBy, approvalView, type ApprovalView, decideApproval, recordOutcome } from "./store";

export interface ApprovalRunners {
  /** Schedules the expiry the request holds (its validated input), under the approval. */
  expiry(input: unknown, approved: ApprovedBy): Promise<{ scheduled: number }>;
  /** Applies the campaign's revocations, which the approval now covers. */
  apply(campaignId: string): Promise<{ applied: number; alreadyRemoved: number; failed: number; manual: number }>;
}

export async function decideAndRun(
  ctx: Ctx,
  actor: { id: string; name: string },
  input: { approvalId: string; decision: "approve" | "reject"; note: string },
  run: ApprovalRunners,
): Promise<{ approval: ApprovalView; outcome: string }> {
  const a = await decideApproval(ctx, actor, input.approvalId, input.decision, input.note);
  if (a.status !== "approved") return { approval: approvalView(a), outcome: "Rejected: nothing was changed." };
  let outcome: string;
  try {
    if (a.kind === "expiry") {
      const r = await run.expiry(JSON.parse(a.payload) as unknown, {
        approvalId: a.id,
        requestedBy: { id: a.requestedById, name: a.requestedByName },
      });
      outcome = `Approved: access expiry scheduled for ${r.scheduled} ${r.scheduled === 1 ? "person" : "people"}.`;
    } else {
      const r = await run.apply((JSON.parse(a.payload) as { campaignId: string }).campaignId);
      outcome = `Approved and applied: ${r.applied} removed, ${r.alreadyRemoved} already removed, ${r.failed} failed${r.manual ? `, ${r.manual} to remove by hand` : ""}.`;
    }
  } catch (e) {
    // The approval stands (an apply can be retried from the campaign); what stopped it is kept beside it.
    if (!(e instanceof UserError)) throw e;
    outcome = `Approved, but not carried out: ${e.message}`;
  }
  await recordOutcome(ctx, a.id, outcome);
  return { approval: approvalView({ ...a, outcome }), outcome };
}
