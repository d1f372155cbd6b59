"use server";

import { action } from "@/lib/action";
import { env } from "@/lib/env";
import {
  cancelExpiry,
  expiryPreview,
  extendExpiry,
  setExpiry,
  ZCancelExpiry,
  ZExpiryPreview,
  ZExtendExpiry,
  ZSetExpiry,
} from "@/lib/guests";
import { restoreDeniedGuest, ZRestoreDeniedGuest } from "@/lib/reviews";
import { appGraph } from "@/lib/reviews/app-graph";

const GUESTS = ["/guests", "/approvals"];
const admin = (a: { id: string; name: string }) => ({ id: a.id, name: a.name, role: "admin" as const });

export const setExpiryAction = action(
  { role: "admin", input: ZSetExpiry, revalidate: GUESTS },
  async (input, { ctx, actor }) =>
    setExpiry(ctx, admin(actor), input, {
      protectedUpns: env().RECERT_PROTECTED_UPNS,
      approvalThreshold: env().RECERT_APPROVAL_THRESHOLD,
    }),
);

export const extendExpiryAction = action(
  { role: "admin", input: ZExtendExpiry, revalidate: GUESTS },
  async (f, { ctx, actor }) => {
    await extendExpiry(ctx, admin(actor), f.expiryId, f.expiresAt, f.reason);
    return {};
  },
);

export const cancelExpiryAction = action(
  { role: "admin", input: ZCancelExpiry, revalidate: GUESTS },
  async (f, { ctx, actor }) => {
    await cancelExpiry(ctx, admin(actor), f.expiryId, f.reason);
    return {};
  },
);

/** Preview: what the expiry of one person would remove, as of the last sync. */
export const expiryPreviewAction = action({ role: "admin", input: ZExpiryPreview }, async (input, { ctx }) =>
  expiryPreview(ctx, input),
);

/** Denied guests (#19): keep one, cancelling their deletion and enabling sign-in again. */
export const restoreDeniedGuestAction = action(
  { role: "admin", input: ZRestoreDeniedGuest, revalidate: GUESTS },
  async (input, { ctx, actor }) => restoreDeniedGuest(ctx, admin(actor), input, await appGraph()),
);
