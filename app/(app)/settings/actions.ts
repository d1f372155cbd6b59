"use server";

import { databaseFaultMessage } from "@/lib/db/errors";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { stripNul } from "@/lib/input";
import { AuthError, requireRole } from "@/lib/auth";
import type { ConnectionHealth } from "@/lib/sync/check-connection";
import { testConfiguredConnection } from "@/lib/sync/connection-health";
import { startBackgroundSync } from "@/lib/sync/start-sync";
import { afterSync } from "@/lib/scheduler/after-sync";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { ConnectionError, disconnect, purgeDirectory, reconnect, resolveConnection, saveConnection, type ConnectionView } from "@/lib/connection";

const ZStartSync = z.object({ mode: z.enum(["auto", "full"]) });
export type TStartSync = z.infer<typeof ZStartSync>;
export type ActionResult = { ok: true } | { ok: false; error: string };

export async function startSyncAction(input: TStartSync): Promise<ActionResult> {
  try {
    await requireRole("admin");
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, error: e.message };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
  const parsed = ZStartSync.safeParse(stripNul(input));
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
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
  const health = await testConfiguredConnection();
  revalidatePath("/settings");
  return { ok: true, health };
}

type Caller = Awaited<ReturnType<typeof requireRole>>;
async function asAdmin<T>(fn: (caller: Caller) => Promise<T>): Promise<({ ok: true } & T) | { ok: false; error: string }> {
  let caller: Caller;
  try {
    caller = await requireRole("admin");
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, error: e.message };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
  try {
    const out = await fn(caller);
    revalidatePath("/settings");
    return { ok: true, ...out };
  } catch (e) {
    if (e instanceof ConnectionError) return { ok: false, error: e.message };
    const fault = databaseFaultMessage(e);
    if (fault) return { ok: false, error: fault };
    throw e;
  }
}

const guid = z.string().trim().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
const ZSaveConnection = z.object({
  tenantId: guid,
  clientId: guid,
  // Empty keeps the stored secret. Entra secrets are 40 characters; certificates are not supported here.
  clientSecret: z.string().max(256, "must be at most 256 characters").default(""),
});
export type TSaveConnection = z.input<typeof ZSaveConnection>;

/** Saves the connection (secret sealed with AES-256-GCM), then re-checks it: a healthy check resumes syncs. */
export async function saveConnectionAction(input: TSaveConnection): Promise<{ ok: true; view: ConnectionView; health: ConnectionHealth } | { ok: false; error: string }> {
  return asAdmin(async (caller) => {
    const parsed = ZSaveConnection.safeParse(stripNul(input));
    if (!parsed.success) throw new ConnectionError(parsed.error.issues.map((i) => `${i.path.join(".") || "input"} ${i.message}`).join("; "));
    const view = await saveConnection(db(), env(), { id: caller.id, name: caller.name }, parsed.data);
    return { view, health: await testConfiguredConnection() };
  });
}

/** Removes stored credentials and stops syncs and revocations; synced data stays until purged. */
export async function disconnectAction(): Promise<{ ok: true; view: ConnectionView } | { ok: false; error: string }> {
  return asAdmin(async (caller) => {
    await disconnect(db(), env(), { id: caller.id, name: caller.name });
    return { view: (await resolveConnection(db(), env())).view };
  });
}

/** Lifts Disconnect when the environment (or the sign-in app) provides the credentials, and re-checks. */
export async function reconnectAction(): Promise<{ ok: true; view: ConnectionView; health: ConnectionHealth } | { ok: false; error: string }> {
  return asAdmin(async (caller) => {
    await reconnect(db(), env(), { id: caller.id, name: caller.name });
    return { view: (await resolveConnection(db(), env())).view, health: await testConfiguredConnection() };
  });
}

const ZPurge = z.object({ confirm: z.literal("PURGE", { error: "Type PURGE to confirm." }) });
/** Deletes the synced directory of this tenant (campaigns, reports and the audit log stay). */
export async function purgeDirectoryAction(input: { confirm: string }): Promise<{ ok: true; deleted: number } | { ok: false; error: string }> {
  return asAdmin(async (caller) => {
    const parsed = ZPurge.safeParse(stripNul(input));
    if (!parsed.success) throw new ConnectionError("Type PURGE to confirm.");
    const counts = await purgeDirectory(db(), env(), { id: caller.id, name: caller.name });
    return { deleted: Object.values(counts).reduce((a, b) => a + b, 0) };
  });
}
