"use server";

import { z } from "zod";
import { action } from "@/lib/action";
import { acceptAllRecommendations, decide, delegateItems, itemContext, ZDecide, ZDelegate } from "@/lib/reviews";

const REVIEWS = ["/reviews"];

/**
 * A reviewer's decision on items assigned to them. Any signed-in admin or reviewer may call it; the
 * ownership check is per item, in lib/reviews, against the assignments frozen at start. Auditors only read.
 */
export const decideAction = action(
  { role: ["admin", "reviewer"], input: ZDecide, revalidate: REVIEWS },
  async (input, { ctx, actor }) => decide(ctx, actor, input),
);

/** "Accept all recommendations": every undecided item of mine in the campaign that has one (up to 5,000 per call). */
export const acceptAllRecommendationsAction = action(
  {
    role: ["admin", "reviewer"],
    input: z.object({ campaignId: z.string().uuid("Not a campaign id.") }),
    revalidate: REVIEWS,
  },
  async ({ campaignId }, { ctx, actor }) => acceptAllRecommendations(ctx, actor, campaignId),
);

/**
 * A reviewer hands some or all of their undecided items to a colleague, with a reason (#18). The caller must review
 * each item in the current stage (checked in lib/reviews/delegation.ts); auditors only read.
 */
export const delegateItemsAction = action(
  { role: ["admin", "reviewer"], input: ZDelegate, revalidate: REVIEWS },
  async (input, { ctx, actor }) => delegateItems(ctx, actor, input),
);

/**
 * The context of one item for the review page's drawer (#18): read-only. Reviewers get it for their own items only
 * (checked in lib/reviews/item-context.ts); admins and auditors for any item of this tenant.
 */
export const itemContextAction = action(
  {
    role: ["admin", "auditor", "reviewer"],
    input: z.object({ campaignId: z.string().uuid("Not a campaign id."), itemId: z.string().uuid("Not an item id.") }),
  },
  async ({ campaignId, itemId }, { ctx, actor }) => itemContext(ctx, actor, campaignId, itemId),
);
