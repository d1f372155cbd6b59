"use server";

import { z } from "zod";
import { action } from "@/lib/action";
import { decideAndRun, withdrawApproval } from "@/lib/approvals";
import { env } from "@/lib/env";
import { type SetExpiryInput, setExpiry } from "@/lib/guests";
import { applyAndFreeze } from "@/lib/reports/close";

const APPROVALS = ["/approvals", "/guests", "/campaigns"];
const ZId = z.string().uuid("Not an approval request.");

export const decideApprovalAction = action(
  {
    role: "admin",
    input: z.object({
      approvalId: ZId,
      decision: z.enum(["approve", "reject"], { error: "Approve or reject." }),
      note: z.string().trim().max(500, "At most 500 characters.").default(""),
    }),
    revalidate: APPROVALS,
  },
  async (input, { ctx, actor }) => {
    const e = env();
    const r = await decideAndRun(ctx, actor, input, {
      expiry: (payload, approved) =>
        setExpiry(ctx, { ...actor, role: "admin" }, payload as SetExpiryInput, {
          protectedUpns: e.RECERT_PROTECTED_UPNS,
          approved,
        }),
      apply: (campaignId) => applyAndFreeze(ctx, { ...actor, role: "admin" }, campaignId),
    });
    return { outcome: r.outcome };
  },
);

export const withdrawApprovalAction = action(
  { role: "admin", input: z.object({ approvalId: ZId }), revalidate: APPROVALS },
  async (input, { ctx, actor }) => {
    await withdrawApproval(ctx, actor, input.approvalId);
    return {};
  },
);
