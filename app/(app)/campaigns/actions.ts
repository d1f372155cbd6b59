"use server";

import { z } from "zod";
import { action } from "@/lib/action";
import { applyAndFreeze, closeAndFreeze } from "@/lib/reports/close";
import {
  advanceStage,
  createCampaignFromForm,
  deleteDraft,
  extendCampaign,
  previewApply,
  reassignReviewer,
  remindReviewers,
  signOffReviewer,
  startCampaign,
  ZCampaignForm,
} from "@/lib/reviews";

const ZId = z.string().uuid("Not a campaign id.");
const CAMPAIGNS = ["/campaigns", "/reviews", "/approvals"];
const admin = { role: "admin", revalidate: CAMPAIGNS } as const;

export const createCampaignAction = action({ ...admin, input: ZCampaignForm }, async (form, { ctx, actor }) =>
  createCampaignFromForm(ctx, actor, form),
);

export const startCampaignAction = action({ ...admin, input: ZId }, async (id, { ctx, actor }) => ({
  itemCount: (await startCampaign(ctx, actor, id)).itemCount,
}));

export const deleteDraftAction = action({ ...admin, input: ZId }, async (id, { ctx, actor }) => {
  await deleteDraft(ctx, actor, id);
  return {};
});

const ZClose = z.object({ campaignId: ZId, reason: z.string().trim().max(500).optional() });
export const closeCampaignAction = action({ ...admin, input: ZClose }, async (f, { ctx, actor }) =>
  closeAndFreeze(ctx, actor, f.campaignId, f.reason || undefined),
);

export const previewApplyAction = action({ role: "admin", input: ZId }, async (id, { ctx }) => previewApply(ctx, id));

export const applyCampaignAction = action({ ...admin, input: ZId }, async (id, { ctx, actor }) => ({
  summary: await applyAndFreeze(ctx, actor, id),
}));

const ZExtend = z.object({
  campaignId: ZId,
  endAt: z.coerce.date(),
  reason: z.string().trim().min(1, "Give a reason for the extension.").max(500),
});
export const extendCampaignAction = action({ ...admin, input: ZExtend }, async (f, { ctx, actor }) => {
  await extendCampaign(ctx, actor, f.campaignId, f.endAt, f.reason);
  return {};
});

export const remindReviewersAction = action({ ...admin, input: ZId }, async (id, { ctx }) => ({
  notified: await remindReviewers(ctx, id),
}));

export const advanceStageAction = action({ ...admin, input: ZId }, async (id, { ctx, actor }) => ({
  advanced: (await advanceStage(ctx, actor, id)).advanced,
}));

const ZReassign = z.object({
  campaignId: ZId,
  fromReviewerId: z.guid("Not a reviewer id."),
  toUpn: z.string().trim().toLowerCase().email("Enter the new reviewer's user principal name."),
  mode: z.enum(["replace", "add"]),
  reason: z.string().trim().min(1, "Give a reason.").max(500),
});
export const reassignAction = action({ ...admin, input: ZReassign }, async (f, { ctx, actor }) => ({
  moved: await reassignReviewer(ctx, actor, f),
}));

const ZSignOff = z.object({
  campaignId: ZId,
  reviewerId: z.guid("Not a reviewer id."),
  decision: z.enum(["approve", "revoke", "dontknow"]),
  reason: z.string().trim().min(1, "Give a reason for deciding on the reviewer's behalf.").max(2_000),
});
/** Escalation: an admin decides a (typically overdue) reviewer's undecided items on their behalf, with a reason; each is audited as forced. */
export const signOffAction = action({ ...admin, input: ZSignOff }, async (f, { ctx, actor }) => ({
  decided: await signOffReviewer(ctx, actor, f),
}));
