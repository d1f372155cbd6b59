import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import type { GraphClient } from "@/lib/graph";
import { resolveConnection } from "@/lib/connection";
import { createSyncGraph } from "@/lib/connection/graph-client";
import { runSync, SyncAlreadyRunning } from "./run-sync";
import { logError } from "@/lib/log";

export type StartSyncResult = { ok: true } | { ok: false; error: string };

/**
 * Starts a sync in this server process and returns at once; progress lives in the SyncRun row (heartbeat),
 * so the page can poll it and a reload shows the same run. The database lock refuses a second run.
 */
export async function startBackgroundSync(
  mode: "auto" | "full",
  onFinished?: (graph: () => GraphClient) => Promise<unknown>,
): Promise<StartSyncResult> {
  const e = env();
  const running = await db().syncRun.findFirst({
    where: { tenantId: e.ENTRA_TENANT_ID, status: "running" },
    orderBy: { startedAt: "desc" },
  });
  if (running && Date.now() - running.heartbeatAt.getTime() < 60_000) {
    return { ok: false, error: `A sync is already running (started ${running.startedAt.toISOString()}).` };
  }
  // A manual sync runs even while the last health check found problems (the admin asked for it); not while disconnected.
  const conn = await resolveConnection(db(), e);
  if (!conn.ok) return { ok: false, error: conn.reason };
  const graph = createSyncGraph(conn.connection);
  const started = runSync({
    db: db(),
    graph,
    tenantId: e.ENTRA_TENANT_ID,
    trigger: "manual",
    mode,
    databaseUrl: e.DATABASE_URL,
    heartbeatMs: 1_000,
  });
  // Wait just long enough to learn whether the lock was granted; the rest runs after the response.
  const early = await Promise.race([
    started.then(
      () => "done" as const,
      (err: unknown) => err,
    ),
    new Promise((r) => setTimeout(() => r("running"), 300)),
  ]);
  if (early instanceof SyncAlreadyRunning) return { ok: false, error: "A sync is already running." };
  started.then(
    (r) => {
      if (onFinished && r.status !== "failed")
        onFinished(() => graph).catch((err: unknown) => logError("after-sync work failed", err));
    },
    (err: unknown) => logError("sync failed", err),
  );
  return { ok: true };
}
