/**
 * One sync at a time per tenant. The SyncLock row's primary key (tenantId) is the lock: whoever inserts
 * it holds it. A holder whose heartbeat is older than `staleAfterMs` is presumed dead (killed process)
 * and may be replaced, by a compare-and-swap on its runId so two takers cannot both win.
 */
import { select, type Dialect, type SqlRunner } from "@/lib/db/sql";

export class SyncAlreadyRunning extends Error {
  override readonly name = "SyncAlreadyRunning";
  constructor(
    readonly runId: string,
    readonly startedAt: Date,
  ) {
    super(`A sync is already running for this tenant (run ${runId}, started ${startedAt.toISOString()}).`);
  }
}

/** The lock was taken over (our heartbeat was too old): this run must not write. */
export class SyncLockLost extends Error {
  override readonly name = "SyncLockLost";
  constructor(readonly runId: string) {
    super(`Sync run ${runId} lost its lock to another run (heartbeat timeout).`);
  }
}

export async function acquireLock(
  db: SqlRunner,
  d: Dialect,
  tenantId: string,
  runId: string,
  staleAfterMs: number,
): Promise<{ tookOverFrom?: string }> {
  const p = d.p;
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = new Date();
    const inserted = await db.$executeRawUnsafe(
      `INSERT INTO "SyncLock" ("tenantId", "runId", "acquiredAt", "heartbeatAt") VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}) ON CONFLICT ("tenantId") DO NOTHING`,
      tenantId,
      runId,
      now,
      now,
    );
    if (inserted === 1) {
      // We hold the lock, so no other run of this tenant is alive: a run still marked running ended without
      // recording its outcome (its process was killed, or the database failed under it even for that write).
      await db.$executeRawUnsafe(
        `UPDATE "SyncRun" SET "status" = 'abandoned', "finishedAt" = ${p(1)}, "error" = ${p(2)} WHERE "tenantId" = ${p(3)} AND "status" = 'running' AND "id" <> ${p(4)}`,
        now,
        "Abandoned: the run ended without recording its outcome (process killed, or the database failed under it).",
        tenantId,
        runId,
      );
      return {};
    }
    const [held] = await select<{ runId: string; acquiredAt: Date | string; heartbeatAt: Date | string }>(
      db,
      `SELECT "runId", "acquiredAt", "heartbeatAt" FROM "SyncLock" WHERE "tenantId" = ${p(1)}`,
      tenantId,
    );
    if (!held) continue; // released between our insert and select: try again
    const heartbeat = new Date(held.heartbeatAt).getTime();
    if (now.getTime() - heartbeat < staleAfterMs) throw new SyncAlreadyRunning(held.runId, new Date(held.acquiredAt));
    const swapped = await db.$executeRawUnsafe(
      `UPDATE "SyncLock" SET "runId" = ${p(1)}, "acquiredAt" = ${p(2)}, "heartbeatAt" = ${p(3)} WHERE "tenantId" = ${p(4)} AND "runId" = ${p(5)}`,
      runId,
      now,
      now,
      tenantId,
      held.runId,
    );
    if (swapped === 1) {
      await db.$executeRawUnsafe(
        `UPDATE "SyncRun" SET "status" = 'abandoned', "finishedAt" = ${p(1)}, "error" = ${p(2)} WHERE "id" = ${p(3)} AND "status" = 'running'`,
        now,
        `Abandoned: no heartbeat since ${new Date(heartbeat).toISOString()}; lock taken over by run ${runId}.`,
        held.runId,
      );
      return { tookOverFrom: held.runId };
    }
  }
  const [held] = await select<{ runId: string; acquiredAt: Date | string }>(
    db,
    `SELECT "runId", "acquiredAt" FROM "SyncLock" WHERE "tenantId" = ${d.p(1)}`,
    tenantId,
  );
  throw new SyncAlreadyRunning(held?.runId ?? "unknown", new Date(held?.acquiredAt ?? Date.now()));
}

/** Refreshes the heartbeat; false when the lock is no longer ours. */
export async function heartbeat(db: SqlRunner, d: Dialect, tenantId: string, runId: string): Promise<boolean> {
  const n = await db.$executeRawUnsafe(
    `UPDATE "SyncLock" SET "heartbeatAt" = ${d.p(1)} WHERE "tenantId" = ${d.p(2)} AND "runId" = ${d.p(3)}`,
    new Date(),
    tenantId,
    runId,
  );
  return n === 1;
}

export async function releaseLock(db: SqlRunner, d: Dialect, tenantId: string, runId: string): Promise<void> {
  await db.$executeRawUnsafe(
    `DELETE FROM "SyncLock" WHERE "tenantId" = ${d.p(1)} AND "runId" = ${d.p(2)}`,
    tenantId,
    runId,
  );
}

/** The running sync of a tenant, if any (for "Sync now" buttons and the CLI). */
export async function runningSync(
  db: SqlRunner,
  d: Dialect,
  tenantId: string,
): Promise<{ runId: string; startedAt: Date; heartbeatAt: Date } | undefined> {
  const [held] = await select<{ runId: string; acquiredAt: Date | string; heartbeatAt: Date | string }>(
    db,
    `SELECT "runId", "acquiredAt", "heartbeatAt" FROM "SyncLock" WHERE "tenantId" = ${d.p(1)}`,
    tenantId,
  );
  return held
    ? { runId: held.runId, startedAt: new Date(held.acquiredAt), heartbeatAt: new Date(held.heartbeatAt) }
    : undefined;
}
