"use server";

import { z } from "zod";
import { action } from "@/lib/action";
import { revokeSanction, sanctionExclusion, ZSanction } from "@/lib/dashboards/sanctions";

export const sanctionExclusionAction = action(
  { role: "admin", input: ZSanction, revalidate: ["/"] },
  async (input, { ctx, actor }) => sanctionExclusion(ctx, actor, input),
);

export const revokeSanctionAction = action(
  { role: "admin", input: z.object({ id: z.string().uuid("Not a sanction id.") }), revalidate: ["/"] },
  async ({ id }, { ctx, actor }) => {
    await revokeSanction(ctx, actor, id);
    return {};
  },
);
