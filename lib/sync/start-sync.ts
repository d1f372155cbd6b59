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
 * The server's shutdown (SIGTERM from a deploy or a container stop, SIGINT): every sync running in this process stops at
 * its next page, records its run as failed ("aborted"), releases the tenant's lock and drops its staging rows, as the
 * CLI does. Without it a stopped instance kept the lock until its heartbeat went stale (10 minutes). Next's own
 * shutdown (`next start`) waits for the work the action registered with `after()` before it exits (its server's
 * close awaits the internal waitUntil), so the release is written before the process ends: `keep` hands that work to
 * `after()` as soon as it starts, before this returns (a SIGTERM may arrive while the action is still answering).
 */
let shutdown: AbortController | undefined;
function shutdownSignal(): AbortSignal {
  if (!shutdown) {
    const c = new AbortController();
    shutdown = c;
    const stop = () => c.abort();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  }
  return shutdown.signal;
}

/**
 * Starts a sync in this server process and returns at once; progress lives in the SyncRun row (heartbeat),
 * so the page can poll it and a reload shows the same run. The database lock refuses a second run.
 */
export async function startBackgroundSync(
  mode: "auto" | "full",
  onFinished?: (graph: () => GraphClient) => Promise<unknown>,
  /** Given the run and its after-sync work as one promise that never rejects, as soon as the run starts. */
  keep?: (work: Promise<void>) => void,
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
    signal: shutdownSignal(),
  });
  const work = started.then(
    async (r) => {
      // A stopped server starts no after-sync work (expiries write to Entra).
      if (onFinished && r.status !== "failed" && !shutdown?.signal.aborted)
        await onFinished(() => graph).catch((err: unknown) => logError("after-sync work failed", err));
    },
    (err: unknown) => {
      if (!(err instanceof SyncAlreadyRunning)) logError("sync failed", err);
    },
  );
  keep?.(work);
  // Wait just long enough to learn whether the lock was granted; the rest runs after the response.
  const early = await Promise.race([
    started.then(
      () => "done" as const,
      (err: unknown) => err,
    ),
    new Promise((r) => setTimeout(() => r("running"), 300)),
  ]);
  if (early instanceof SyncAlreadyRunning) return { ok: false, error: "A sync is already running." };
  return { ok: true };
}
