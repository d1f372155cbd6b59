"use server";

import { after } from "next/server";
import { z } from "zod";
import { action } from "@/lib/action";
import {
  disconnectNow,
  purgeNow,
  reconnectAndCheck,
  saveAndCheck,
  ZPurge,
  ZSaveConnection,
} from "@/lib/connection/admin";
import { testConfiguredConnection } from "@/lib/connection/health";
import { syncNow } from "@/lib/scheduler/sync-now";
import { UserError } from "@/lib/errors";
import { resolveMessage } from "@/lib/notify/deliver";
import { saveGovernedGroups, ZGovernedGroups } from "@/lib/sync/governed-groups";

const SETTINGS = ["/settings"];

export const startSyncAction = action(
  {
    role: "admin",
    input: z.object({ mode: z.enum(["auto", "full"], { error: "Choose a sync mode: auto or full." }) }),
    revalidate: SETTINGS,
  },
  async ({ mode }) => {
    // The sync runs on after the response; Next's shutdown waits for it (at SIGTERM it stops and releases its lock).
    await syncNow(mode, (work) => after(work));
    return {};
  },
);

export const testConnectionAction = action({ role: "admin", revalidate: SETTINGS }, async () =>
  testConfiguredConnection(),
);

export const saveConnectionAction = action(
  { role: "admin", input: ZSaveConnection, revalidate: SETTINGS },
  async (input, { actor }) => saveAndCheck(actor, input),
);

export const disconnectAction = action({ role: "admin", revalidate: SETTINGS }, async (_, { actor }) =>
  disconnectNow(actor),
);

export const reconnectAction = action({ role: "admin", revalidate: SETTINGS }, async (_, { actor }) =>
  reconnectAndCheck(actor),
);

export const purgeDirectoryAction = action(
  { role: "admin", input: ZPurge, revalidate: SETTINGS },
  async (_, { actor }) => purgeNow(actor),
);

/** A failed or unconfirmed notice message (#18): send it again, or dismiss it. */
export const resolveOutboxMessageAction = action(
  {
    role: "admin",
    input: z.object({
      id: z.uuid("Not a message id."),
      action: z.enum(["resend", "dismiss"], { error: "Choose resend or dismiss." }),
    }),
    revalidate: SETTINGS,
  },
  async ({ id, action: what }, { ctx }) => {
    const r = await resolveMessage(ctx, id, what);
    if (!r) throw new UserError("conflict", "No failed or unconfirmed message with that id: it may have been handled.");
    return r;
  },
);

/** The groups besides the role-assignable ones whose PIM schedules the sync reads (#19). */
export const saveGovernedGroupsAction = action(
  { role: "admin", input: ZGovernedGroups, revalidate: SETTINGS },
  async ({ groupIds }, { ctx, actor }) => saveGovernedGroups(ctx, actor, groupIds),
);
