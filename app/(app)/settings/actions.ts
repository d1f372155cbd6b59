"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AuthError, requireRole } from "@/lib/auth";
import type { ConnectionHealth } from "@/lib/sync/check-connection";
import { testConfiguredConnection } from "@/lib/sync/connection-health";
import { startBackgroundSync } from "@/lib/sync/start-sync";
import { afterSync } from "@/lib/scheduler/after-sync";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

const ZStartSync = z.object({ mode: z.enum(["auto", "full"]) });
export type TStartSync = z.infer<typeof ZStartSync>;
export type ActionResult = { ok: true } | { ok: false; error: string };

export async function startSyncAction(input: TStartSync): Promise<ActionResult> {
  try {
    await requireRole("admin");
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, error: e.message };
    throw e;
  }
  const parsed = ZStartSync.safeParse(input);
  if (!parsed.success) return { ok: false, error: "Choose a sync mode: auto or full." };
  // After the sync: expiries and campaign housekeeping on the fresh data, and the dashboard warmed.
  const result = await startBackgroundSync(parsed.data.mode, async (graph) => {
    const e = env();
    await afterSync(db(), e.DATABASE_URL, e.ENTRA_TENANT_ID, graph);
  });
  revalidatePath("/settings");
  return result;
}

export async function testConnectionAction(): Promise<{ ok: true; health: ConnectionHealth } | { ok: false; error: string }> {
  try {
    await requireRole("admin");
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, error: e.message };
    throw e;
  }
  const health = await testConfiguredConnection();
  revalidatePath("/settings");
  return { ok: true, health };
}
