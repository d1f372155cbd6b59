/**
 * Campaign lifecycle: Draft → Active → Closed → Applied. Every transition is a compare-and-swap on the
 * campaign's status inside one transaction with its audit event, so two admins closing at once, or a
 * decision racing a close, end with one winner and nothing half-done.
 */
import { notifyAdmins } from "@/lib/notify/notices";
import { randomUUID } from "node:crypto";
import type { Db } from "@/lib/db/index";
import { bulkInsert, type BulkColumn, type Dialect } from "@/lib/db/sql";
import type { Ctx } from "@/lib/db/context";
import { sqliteHandleOf } from "@/lib/db/client";
import { pgTransactionConnection } from "@/lib/db/pg-direct";
import { appendAudit, appendAuditMany, type AuditInput } from "@/lib/audit";
import {
  ZCampaignConfig,
  ZCampaignDefinitionInput,
  campaignDurationDays,
  dueDate,
  scopeFamily,
  scopeParts,
  stageEnd,
  type CampaignConfig,
  type CampaignDefinitionInput,
} from "./definition";
import { UserError } from "@/lib/errors";
import { FREEZE_TABLES, freezeItems, type FreezeDb } from "./freeze";
import { openSqliteItemsWriter, type SqliteItemsWriter } from "./sqlite-items-writer";
import { materializeItemReviewers } from "./assignments";
import { instanceStart } from "./recurrence";

export interface Actor {
  id: string;
  name: string;
  role: "admin" | "auditor" | "reviewer" | "system";
}

export type { Ctx } from "@/lib/db/context";
import { writeCheckpoint } from "@/lib/audit/checkpoint";
import { decisionsHash } from "./decisions-hash";
import { signingIdentity } from "@/lib/signing/identity";
import { logError } from "@/lib/log";

const DAY = 86_400_000;
const CLAIMED_ELSEWHERE = "This campaign was started or changed by someone else. Reload.";
const TX = { timeout: 300_000, maxWait: 30_000 };
const actorOf = (a: Actor): AuditInput["actor"] =>
  a.role === "system" ? { type: "system", id: null, name: a.name } : { type: "user", id: a.id, name: a.name };

export function parseConfig(json: string): CampaignConfig {
  return ZCampaignConfig.parse(JSON.parse(json));
}

async function campaignOf(ctx: Ctx, campaignId: string) {
  const c = await ctx.db.campaign.findUnique({ where: { id: campaignId } });
  if (!c || c.tenantId !== ctx.tenantId) throw new UserError("not_found", "No such campaign.");
  return c;
}

/** Creates a definition and its first instance as a draft. */
export async function createCampaign(
  ctx: Ctx,
  actor: Actor,
  raw: CampaignDefinitionInput,
): Promise<{ definitionId: string; campaignId: string }> {
  const input = ZCampaignDefinitionInput.parse(raw);
  const c = input.config;
  const definitionId = randomUUID();
  const campaignId = randomUUID();
  const startAt = c.startAt;
  const endAt = new Date(startAt.getTime() + campaignDurationDays(c) * DAY);
  await ctx.db.$transaction(async (tx) => {
    await tx.campaignDefinition.create({
      data: {
        id: definitionId,
        tenantId: ctx.tenantId,
        name: input.name,
        description: input.description,
        config: JSON.stringify(c),
        recurrence: c.recurrence,
        createdById: actor.id,
      },
    });
    await tx.campaign.create({
      data: {
        id: campaignId,
        definitionId,
        tenantId: ctx.tenantId,
        name: input.name,
        sequence: 1,
        status: "draft",
        config: JSON.stringify(c),
        startAt,
        endAt,
        stageCount: c.stages.length,
      },
    });
    await appendAudit(tx, {
      actor: actorOf(actor),
      action: "campaign.create",
      target: { type: "campaign", id: campaignId },
      after: { name: input.name, description: input.description, config: c, definitionId },
    });
  });
  return { definitionId, campaignId };
}

export async function deleteDraft(ctx: Ctx, actor: Actor, campaignId: string): Promise<void> {
  const c = await campaignOf(ctx, campaignId);
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.campaign.deleteMany({ where: { id: campaignId, status: "draft" } });
    if (n.count === 0) throw new UserError("conflict", `Only a draft can be deleted; this campaign is ${c.status}.`);
    // Items a start left when its process died between committing them and activating the draft (SQLite).
    await deleteFrozen(tx, campaignId, ctx.dialect);
    if ((await tx.campaign.count({ where: { definitionId: c.definitionId } })) === 0)
      await tx.campaignDefinition.update({ where: { id: c.definitionId }, data: { deletedAt: ctx.now() } });
    await appendAudit(tx, {
      actor: actorOf(actor),
      action: "campaign.delete",
      target: { type: "campaign", id: campaignId },
      before: { name: c.name, status: c.status },
    });
  });
}

/** Kinds a sync may skip (no licence for them) without making its data unfit for a campaign. */
const LICENCE_KINDS = new Set(["activity", "mfa", "policies", "organization"]);

export interface SyncFitness {
  ok: boolean;
  reason: string;
  runId?: string;
  finishedAt?: Date;
  signInDataAvailable: boolean;
  /** False when the sync skipped PIM (its schedules in the database are an earlier sync's). */
  pimRead?: boolean;
  /** The same for PIM for Groups (#19): a permission or licence the sync lacked. */
  pimGroupsRead?: boolean;
  manifest?: Record<string, unknown>;
}

/** Whether the latest finished sync is complete and young enough to freeze a campaign from. */
export async function syncFitness(
  db: Pick<Db, "syncRun">,
  tenantId: string,
  maxAgeHours: number,
  now: Date,
): Promise<SyncFitness> {
  const run = await db.syncRun.findFirst({
    where: { tenantId, status: { in: ["succeeded", "partial", "failed"] } },
    orderBy: { startedAt: "desc" },
  });
  const last =
    run?.status === "failed"
      ? await db.syncRun.findFirst({
          where: { tenantId, status: { in: ["succeeded", "partial"] } },
          orderBy: { startedAt: "desc" },
        })
      : run;
  if (!last?.finishedAt)
    return {
      ok: false,
      reason: "No sync has finished yet: run a sync from Settings first.",
      signInDataAvailable: false,
    };
  const manifest = JSON.parse(last.manifest || "{}") as {
    skipped?: { kind: string; reason: string }[];
    counts?: Record<string, number>;
    complete?: boolean;
    pimGroupsNamed?: string[];
  };
  const skipped = manifest.skipped ?? [];
  // PIM's data is licence-bound too (Entra ID P2): a tenant without it has no eligibilities to miss. A PIM read refused
  // for a missing permission still blocks: eligibilities may exist unseen.
  // PIM for Groups does not block here: its permissions are new and only campaigns over groups can miss eligible
  // members, so startCampaign refuses those alone (#19); the report names the kind as not read.
  const blocking = skipped.filter(
    (s) =>
      !LICENCE_KINDS.has(s.kind) &&
      s.kind !== "pimGroups" &&
      !(s.kind === "pim" && s.reason.includes("AadPremiumLicenseRequired")),
  );
  if (last.status !== "succeeded" && blocking.length) {
    return {
      ok: false,
      reason: `The latest sync is incomplete: ${blocking.map((s) => `${s.kind} (${s.reason})`).join("; ")}. Fix the connection and sync again.`,
      signInDataAvailable: false,
    };
  }
  const ageH = (now.getTime() - last.finishedAt.getTime()) / 3_600_000;
  const signInDataAvailable = !skipped.some((s) => s.kind === "activity");
  if (ageH > maxAgeHours) {
    return {
      ok: false,
      reason: `The latest complete sync finished ${Math.floor(ageH)} hours ago (this campaign allows ${maxAgeHours}). Sync now, then start.`,
      runId: last.id,
      signInDataAvailable,
    };
  }
  return {
    ok: true,
    reason: "",
    runId: last.id,
    finishedAt: last.finishedAt,
    signInDataAvailable,
    pimRead: !skipped.some((k) => k.kind === "pim"),
    pimGroupsRead: !skipped.some((k) => k.kind === "pimGroups"),
    manifest: {
      runId: last.id,
      status: last.status,
      finishedAt: last.finishedAt.toISOString(),
      counts: manifest.counts ?? {},
      complete: manifest.complete ?? false,
      skipped,
      // The groups besides the role-assignable ones whose PIM schedules that sync read (#19), for the report.
      ...(manifest.pimGroupsNamed?.length ? { pimGroupsNamed: manifest.pimGroupsNamed } : {}),
    },
  };
}

/** Draft → Active: freezes the items from the latest complete sync, assigns reviewers, notifies them. */
export async function startCampaign(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
  o: {
    /**
     * Tests: called once the items are written, before the campaign is activated (SQLite: after the worker committed
     * them and before this connection takes the lock back; PostgreSQL: inside the start's transaction).
     */
    afterItemsWritten?: () => Promise<void>;
  } = {},
): Promise<{ itemCount: number; itemsHash: string }> {
  const c0 = await campaignOf(ctx, campaignId);
  if (c0.status !== "draft") throw new UserError("conflict", `This campaign is already ${c0.status}.`);
  const config = parseConfig(c0.config);
  const now = ctx.now();
  // SQLite: the connection's page cache as it is (better-sqlite3's default is 16 MB), restored after the start, which
  // sets it larger below. It was reset to SQLite's own default of 2 MB before, shrinking the app's cache after a start.
  const sqliteHandle = ctx.dialect.engine === "sqlite" ? sqliteHandleOf(ctx.db) : undefined;
  // A BigInt from the handle (the adapter's safe-integer mode).
  const cacheBefore = sqliteHandle ? Number(sqliteHandle.pragma("cache_size", { simple: true })) : undefined;
  // On PostgreSQL the start runs in REPEATABLE READ (one snapshot for the whole freeze). Its audit event reads the chain
  // head from that snapshot, so an event appended meanwhile by another transaction (a sync finishing) makes the append
  // collide on the sequence; as with any serialization failure, the whole start is retried (nothing of it was kept).
  // SQLite: the items go in on a worker thread's connection while this thread computes them (#20,
  // lib/reviews/sqlite-items-writer.ts). The start's transaction on the app's connection (which keeps this process's
  // other transactions waiting, as any transaction does) then runs in three parts: (1) its empty opening transaction is
  // committed and the worker takes the write lock, claims the draft (version + 1) and writes the items in its own
  // transaction while this connection only reads; (2) the worker commits; (3) this connection begins again, takes the
  // lock back and activates the campaign with its audit event and notices. Until (3) commits the campaign is still a
  // draft: should (3) fail, the items are deleted again (discardFrozen); should the process die between (2) and (3),
  // the next start of the draft, or its deletion, deletes them. A sync that finished between (2) and (3) is caught by
  // comparing its run with the one frozen from.
  const file = sqliteHandle?.name;
  const useWorker = Boolean(sqliteHandle && file && file !== ":memory:" && !sqliteHandle.memory);
  let draftVersion = c0.version;
  let frozenVersion: number | undefined;
  const result = await retryOnChainRace(() =>
    ctx.db.$transaction(
      async (tx) => {
        const engine = ctx.dialect.engine;
        const busyTimeout = sqliteHandle ? Number(sqliteHandle.pragma("busy_timeout", { simple: true })) : 0;
        let writer: SqliteItemsWriter | undefined;
        if (useWorker)
          try {
            writer = openSqliteItemsWriter({
              file: file!,
              tables: FREEZE_TABLES,
              timeoutMs: busyTimeout,
              synchronous: Number(sqliteHandle!.pragma("synchronous", { simple: true })),
            });
          } catch (e) {
            // Where the driver cannot be found for a thread of our own, the rows go in on this one (slower, the same).
            logError("campaign start: the items' worker could not start; inserting on the main thread", e, {
              campaignId,
            });
          }
        try {
          if (writer) {
            handOver(sqliteHandle!);
            if (!(await writer.claim(campaignId, draftVersion))) throw new UserError("conflict", CLAIMED_ELSEWHERE);
          } else {
            // The first statement writes: on SQLite this takes the write lock before any read, so the reads
            // below see one finished sync (a sync's apply waits); on PostgreSQL the row lock serialises starters.
            const claimed = await tx.campaign.updateMany({
              where: { id: campaignId, status: "draft", version: draftVersion },
              data: { status: "active", version: { increment: 1 } },
            });
            if (claimed.count === 0) throw new UserError("conflict", CLAIMED_ELSEWHERE);
            // Nothing a draft holds is carried into its start (a SQLite start that died after committing its items
            // leaves some; deleted by the worker's claim there).
            await deleteFrozen(tx, campaignId, ctx.dialect);
          }
          const fit = await syncFitness(tx, ctx.tenantId, config.maxSyncAgeHours, now);
          if (!fit.ok) throw new UserError("stale_data", fit.reason);
          // PIM for Groups refused for a missing permission (not for a missing licence: then there is nothing to miss)
          // leaves eligible members unseen: a campaign over groups waits for it, others start (#19).
          const pimGroupsGap = (fit.manifest?.skipped as { kind: string; reason: string }[] | undefined)?.find(
            (k) => k.kind === "pimGroups" && !k.reason.includes("AadPremiumLicenseRequired"),
          );
          if (pimGroupsGap && scopeParts(config.scope).some((p) => scopeFamily(p.kind) === "groups"))
            throw new UserError(
              "stale_data",
              `The latest sync could not read PIM for Groups (${pimGroupsGap.reason}), so eligible group members would go unreviewed. Grant the permissions Settings names, then sync again.`,
            );
          // A larger page cache (128 MB) for the connection that writes a million rows and their index entries
          // (SQLite; reset below; the worker sets its own). Items and index entries are appended in key order, so pages
          // that spill to the WAL before the commit are finished ones. 512 MB was no faster (18.4 s either way at
          // 1,024,755 items) and kept the start's peak RSS above 1 GB.
          if (engine === "sqlite" && !writer) await tx.$executeRawUnsafe("PRAGMA cache_size = -131072");
          const frozen = await freezeItems(tx as unknown as FreezeDb, engine, {
            campaignId,
            tenantId: ctx.tenantId,
            config,
            creatorId: (await tx.campaignDefinition.findUniqueOrThrow({ where: { id: c0.definitionId } })).createdById,
            now,
            signInDataAvailable: fit.signInDataAvailable,
            pimRead: fit.pimRead ?? true,
            pimGroupsRead: fit.pimGroupsRead ?? true,
            sqlite: engine === "sqlite" ? sqliteHandleOf(ctx.db) : undefined,
            writer,
            pg: engine === "postgresql" ? await pgTransactionConnection(tx, ctx.db) : undefined,
          });
          if (frozen.itemCount === 0)
            throw new UserError(
              "invalid",
              "Nothing to review: the scope and population match no access in the latest sync.",
            );
          if (writer) {
            await writer.commit();
            draftVersion += 1;
            frozenVersion = draftVersion;
            await o.afterItemsWritten?.();
            // The lock back on this connection (waiting, as any transaction's BEGIN does, for a sync that took it
            // meanwhile), then the draft this start claimed becomes active.
            takeBack(sqliteHandle!, busyTimeout);
            const claimed = await tx.campaign.updateMany({
              where: { id: campaignId, status: "draft", version: draftVersion },
              data: { status: "active", version: { increment: 1 } },
            });
            if (claimed.count === 0) throw new UserError("conflict", CLAIMED_ELSEWHERE);
            const after = await syncFitness(tx, ctx.tenantId, config.maxSyncAgeHours, now);
            if (after.runId !== fit.runId)
              throw new UserError(
                "conflict",
                "A sync finished while the campaign was starting, so its items no longer match the directory. Start it again.",
              );
          } else await o.afterItemsWritten?.();
          const endAt = new Date(now.getTime() + campaignDurationDays(config) * DAY);
          const syncManifest = {
            ...fit.manifest,
            freeze: {
              resources: frozen.resources,
              reviewerAssignments: frozen.reviewerCount,
              fallbackItems: frozen.fallbackItems,
              skipped: frozen.skipped,
              excluded: frozen.excluded,
              ...(frozen.nested ? { nested: frozen.nested } : {}),
            },
          };
          await tx.campaign.update({
            where: { id: campaignId },
            data: {
              startAt: now,
              endAt,
              stage: 1,
              stageEndsAt: stageEnd(now, config, 1),
              syncRunId: fit.runId!,
              syncManifest: JSON.stringify(syncManifest),
              itemCount: frozen.itemCount,
              itemsHash: frozen.itemsHash,
              startedAt: now,
              startedById: actor.id,
            },
          });
          await appendAudit(tx, {
            actor: actorOf(actor),
            action: "campaign.start",
            target: { type: "campaign", id: campaignId },
            before: { status: "draft" },
            after: { status: "active", endAt, itemCount: frozen.itemCount, itemsHash: frozen.itemsHash },
            context: { syncRunId: fit.runId, freeze: syncManifest.freeze },
          });
          // The assignment notices commit with the start (they are the outbox's record, lib/notify).
          await notifyReviewers(
            { ...ctx, db: tx as unknown as Ctx["db"] },
            campaignId,
            1,
            "assigned",
            undefined,
            frozen.firstStageLoad,
          );
          return frozen;
        } finally {
          if (writer) {
            // Nothing of the worker's stays open (a rollback when it did not commit); this connection waits for locks
            // again and is inside a transaction for Prisma to commit or roll back.
            await writer.close();
            sqliteHandle!.pragma(`busy_timeout = ${busyTimeout}`);
            if (!sqliteHandle!.inTransaction) sqliteHandle!.prepare("BEGIN DEFERRED").run();
          }
        }
      },
      {
        ...TX,
        // The worker's path must never meet Prisma's timeout: its ROLLBACK could then come while this connection is
        // between transactions (handOver to takeBack). A 3.1M-item start took 112 s on one thread.
        ...(useWorker ? { timeout: 3_600_000 } : {}),
        ...(ctx.dialect.engine === "postgresql"
          ? ({ isolationLevel: "RepeatableRead" } as unknown as { isolationLevel: "Serializable" })
          : {}),
      },
    ),
  )
    .catch(async (e) => {
      // Items the worker committed for a start that then failed: deleted, the draft left as it was.
      if (frozenVersion !== undefined)
        await discardFrozen(ctx, campaignId, frozenVersion).catch((d) =>
          logError("campaign start: deleting the items of a failed start", d, { campaignId }),
        );
      throw e;
    })
    .finally(() => {
      // Whether the start committed or not (the pragma is the connection's, not the transaction's).
      if (sqliteHandle && Number.isSafeInteger(cacheBefore)) sqliteHandle.pragma(`cache_size = ${cacheBefore}`);
    });
  // PostgreSQL: statistics for the million new rows now, not when autovacuum gets round to them (up to a minute later).
  // Without them the planner guessed one item per campaign and stage and read whole campaigns for queries that touch
  // a few rows (0.65 s for 1,024,755 items in `npm run bench -- review`).
  if (ctx.dialect.engine === "postgresql")
    await ctx.db.$executeRawUnsafe(
      `ANALYZE "CampaignItem", "CampaignResourceReviewer", "CampaignItemReviewerOverride"`,
    );
  return { itemCount: result.itemCount, itemsHash: result.itemsHash };
}

/** Deletes the rows a start writes for a campaign (FREEZE_TABLES): a failed start's, or those a dead start left (SQLite). */
async function deleteFrozen(tx: Pick<Db, "$executeRawUnsafe">, campaignId: string, d: Dialect): Promise<void> {
  const p1 = d.p(1);
  for (const { name: t } of FREEZE_TABLES)
    await tx.$executeRawUnsafe(`DELETE FROM "${t}" WHERE "campaignId" = ${p1}`, campaignId);
}

/**
 * Deletes the items a start committed (SQLite's worker) when the start failed afterwards, unless the campaign is no
 * longer the draft that start claimed (another start claimed it since and owns whatever items it has).
 */
async function discardFrozen(ctx: Ctx, campaignId: string, version: number): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const c = await tx.campaign.findUnique({ where: { id: campaignId }, select: { status: true, version: true } });
    if (c && (c.status !== "draft" || c.version !== version)) return;
    await deleteFrozen(tx, campaignId, ctx.dialect);
  }, TX);
}

/**
 * SQLite, before the items' worker takes the write lock: the start transaction's empty opening (BEGIN IMMEDIATE) is
 * committed, and until takeBack nothing on this connection waits for a lock. A write by other code of this process
 * outside a transaction (not queued behind the start's, as transactions are) would otherwise wait in better-sqlite3's
 * synchronous busy handler, stopping the event loop and with it the freeze that would free the lock, for the whole
 * busy timeout; it now fails at once as busy, or goes in at once when the lock is free. (Held in a read transaction
 * instead, the connection let such a write take the lock inside it, and the worker waited for it in vain.)
 */
function handOver(h: NonNullable<ReturnType<typeof sqliteHandleOf>>): void {
  h.prepare("COMMIT").run();
  h.pragma("busy_timeout = 0");
}

/**
 * After the worker's commit: the write lock comes back to this connection, waiting up to the busy timeout as
 * client.ts's hook does; deferred when the lock stays taken (the activation's first write then fails as busy, and the
 * items are deleted again). BEGIN DEFERRED is not the adapter's "BEGIN", so the hook does not wait a second time.
 */
function takeBack(h: NonNullable<ReturnType<typeof sqliteHandleOf>>, busyTimeout: number): void {
  h.pragma(`busy_timeout = ${busyTimeout}`);
  try {
    h.prepare("BEGIN IMMEDIATE").run();
  } catch (e) {
    if (!String((e as { code?: unknown }).code).startsWith("SQLITE_BUSY")) throw e;
    h.prepare("BEGIN DEFERRED").run();
  }
}

const NOTIFICATION_COLUMNS: BulkColumn[] = [
  ...["id", "tenantId", "recipientId", "kind", "subject", "body", "link", "campaignId"].map(
    (name): BulkColumn => ({ name, type: "string" }),
  ),
  { name: "createdAt", type: "datetime" },
];

/**
 * One notification per reviewer with undecided items in the stage. kind: assigned | stage (handed on from the previous
 * stage) | reminder | overdue | escalation. A notice row is also the outbox's record (lib/notify): pass the event's
 * transaction as `ctx.db` so the notice and the event commit or fail together.
 */
export async function notifyReviewers(
  ctx: Ctx,
  campaignId: string,
  stage: number,
  kind: "assigned" | "stage" | "reminder" | "overdue" | "escalation",
  onlyRelation?: string,
  knownCounts?: Map<string, number>,
): Promise<number> {
  const c = await campaignOf(ctx, campaignId);
  const counts = knownCounts
    ? [...knownCounts].map(([reviewerId, n]) => ({ reviewerId, n }))
    : await ctx.db.$queryRawUnsafe<{ reviewerId: string; n: number | bigint }[]>(
        `SELECT r."reviewerId", COUNT(*) AS n FROM "CampaignItemReviewer" r JOIN "CampaignItem" i ON i."id" = r."itemId"
     WHERE r."campaignId" = ${ctx.dialect.p(1)} AND r."stage" = ${stage} AND i."stage" = ${stage} AND i."decision" IS NULL ${onlyRelation ? `AND r."relation" = '${onlyRelation.replace(/[^a-z]/g, "")}'` : ""}
     GROUP BY r."reviewerId"`,
        campaignId,
      );
  const due = dueDate(c); // the date the inbox shows
  const subject = {
    assigned: `Access review: ${c.name}`,
    stage: `Access review: ${c.name}, stage ${stage}`,
    reminder: `Reminder: ${c.name} is due ${due.toISOString().slice(0, 10)}`,
    overdue: `Overdue: ${c.name}`,
    escalation: `Escalated to you: ${c.name}`,
  }[kind];
  const at = ctx.now();
  // One bulk statement per 10,000 notices (a million-item campaign has tens of thousands of reviewers).
  const rows = counts.map((r) => [
    randomUUID(),
    ctx.tenantId,
    r.reviewerId,
    kind,
    subject,
    `${Number(r.n)} item${Number(r.n) === 1 ? "" : "s"} to review by ${due.toISOString().slice(0, 10)}.`,
    `/reviews/${campaignId}`,
    campaignId,
    at,
  ]);
  await bulkInsert(ctx.db, "Notification", NOTIFICATION_COLUMNS, rows);
  return rows.length;
}

/** Active → Closed: fixes each item's outcome (the decision, else the definition's no-response rule) and records the audit chain head. */
export async function closeCampaign(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
  reason?: string,
): Promise<{ counts: Record<string, number>; chainHead: string }> {
  const c0 = await campaignOf(ctx, campaignId);
  if (c0.status !== "active")
    throw new UserError(
      "conflict",
      c0.status === "draft" ? "This campaign has not started." : "This campaign is already closed.",
    );
  const config = parseConfig(c0.config);
  const now = ctx.now();
  const p = ctx.dialect.p(1);
  const closed = await ctx.db.$transaction(async (tx) => {
    const early = now < c0.endAt;
    const claimed = await tx.campaign.updateMany({
      where: { id: campaignId, status: "active" },
      data: {
        status: "closed",
        closedAt: now,
        closedById: actor.id,
        closedByName: actor.name,
        closeReason: reason ?? (early ? "Closed early" : "End date reached"),
        version: { increment: 1 },
      },
    });
    if (claimed.count === 0) throw new UserError("conflict", "This campaign is already closed.");
    const noResponse =
      config.noResponse === "approve"
        ? `'approve'`
        : config.noResponse === "revoke"
          ? `'revoke'`
          : config.noResponse === "recommendation"
            ? `CASE "recommendation" WHEN 'revoke' THEN 'revoke' WHEN 'approve' THEN 'approve' ELSE 'noResponse' END`
            : `'noResponse'`;
    await tx.$executeRawUnsafe(
      `UPDATE "CampaignItem" SET "outcome" = COALESCE("decision", ${noResponse}) WHERE "campaignId" = ${p}`,
      campaignId,
    );
    await tx.$executeRawUnsafe(
      `UPDATE "CampaignItem" SET "applyStatus" = CASE WHEN "outcome" = 'revoke' THEN 'pending' ELSE NULL END WHERE "campaignId" = ${p}`,
      campaignId,
    );
    const grouped = await tx.campaignItem.groupBy({ by: ["outcome"], where: { campaignId }, _count: { _all: true } });
    const counts: Record<string, number> = { approve: 0, revoke: 0, dontknow: 0, noResponse: 0 };
    for (const g of grouped) counts[g.outcome ?? "noResponse"] = g._count._all;
    const record = await appendAudit(tx, {
      actor: actorOf(actor),
      action: "campaign.close",
      target: { type: "campaign", id: campaignId },
      before: { status: "active" },
      // The decisions as they stand at close, hashed into the chain (./decisions-hash.ts).
      after: { status: "closed", outcomes: counts, decisionsHash: await decisionsHash(tx, campaignId) },
      context: { reason: reason ?? null, early, noResponse: config.noResponse },
    });
    await tx.campaign.update({ where: { id: campaignId }, data: { chainHead: record.hash } });
    await notifyAdmins(tx, ctx.tenantId, now, {
      campaignId,
      kind: "closed",
      subject: `Closed: ${c0.name}`,
      body: `${counts.approve} approved, ${counts.revoke} to revoke, ${counts.dontknow} don't know, ${counts.noResponse} without an answer. ${reason ? `Reason: ${reason}.` : ""}`.trim(),
      link: `/campaigns/${campaignId}`,
    });
    return { counts, chainHead: record.hash };
  }, TX);
  await anchorChain(ctx, "campaign.close");
  return closed;
}

/**
 * A signed checkpoint of the audit chain (#17), after the close is committed. The close stands if signing fails (a
 * broken REPORT_SIGNING_P12): the next scheduler pass writes the next checkpoint; the failure is logged.
 */
async function anchorChain(ctx: Ctx, reason: string): Promise<void> {
  try {
    await writeCheckpoint(ctx.db, reason, signingIdentity());
  } catch (e) {
    logError("no audit checkpoint", e, { after: reason });
  }
}

/**
 * Retries a REPEATABLE READ transaction that lost a race on the audit chain's head (or a serialization failure). Every
 * audited write of the tenant appends to the one chain, so a long start can lose to several in a row (three starts and
 * their creations at once lost three times on PostgreSQL): up to six attempts, with a short random pause so that
 * racers spread out.
 */
async function retryOnChainRace<T>(run: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (e) {
      const code = (e as { code?: string }).code;
      // The constraint is named in meta.target, or (through a driver adapter) only in the message.
      const where = `${JSON.stringify((e as { meta?: unknown }).meta ?? {})} ${(e as Error).message ?? ""}`;
      const race = code === "P2034" || (code === "P2002" && /\bseq\b|\bhash\b/.test(where));
      if (!race || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 50 * i)));
    }
  }
}

/** Admin: moves the end date (and the current stage's) later. */
export async function extendCampaign(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
  newEnd: Date,
  reason: string,
): Promise<void> {
  const c = await campaignOf(ctx, campaignId);
  if (c.status !== "active") throw new UserError("conflict", "Only an active campaign can be extended.");
  if (newEnd <= c.endAt) throw new UserError("invalid", "The new end date must be later than the current one.");
  if (newEnd.getTime() - c.endAt.getTime() > 180 * DAY) throw new UserError("invalid", "Extend by at most 180 days.");
  await ctx.db.$transaction(async (tx) => {
    const shift = newEnd.getTime() - c.endAt.getTime();
    const n = await tx.campaign.updateMany({
      where: { id: campaignId, status: "active", version: c.version },
      data: {
        endAt: newEnd,
        stageEndsAt: c.stageEndsAt ? new Date(c.stageEndsAt.getTime() + shift) : null,
        version: { increment: 1 },
      },
    });
    if (n.count === 0) throw new UserError("conflict", "The campaign changed meanwhile. Reload.");
    await appendAudit(tx, {
      actor: actorOf(actor),
      action: "campaign.extend",
      target: { type: "campaign", id: campaignId },
      before: { endAt: c.endAt },
      after: { endAt: newEnd },
      context: { reason },
    });
  });
}

/** Admin: gives items of the current stage to another reviewer (replacing their reviewers) or adds one beside them. */
export async function reassignItems(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
  itemIds: string[],
  reviewerId: string,
  mode: "replace" | "add",
  reason: string,
): Promise<number> {
  const c = await campaignOf(ctx, campaignId);
  if (c.status !== "active") throw new UserError("conflict", "Only an active campaign's items can be reassigned.");
  const user = await ctx.db.dirUser.findFirst({
    where: { id: reviewerId, tenantId: ctx.tenantId },
    select: { id: true, displayName: true, accountEnabled: true },
  });
  if (!user) throw new UserError("invalid", "The new reviewer is not a user of this tenant.");
  if (!user.accountEnabled) throw new UserError("invalid", "The new reviewer's account is disabled.");
  return ctx.db.$transaction(async (tx) => {
    const ids = [...new Set(itemIds)];
    const items: { id: string; principalId: string }[] = [];
    const before: { itemId: string; reviewerId: string }[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      items.push(
        ...(await tx.campaignItem.findMany({
          where: { campaignId, id: { in: part }, stage: c.stage },
          select: { id: true, principalId: true },
        })),
      );
      before.push(
        ...(await tx.campaignItemReviewer.findMany({
          where: { itemId: { in: part }, stage: c.stage },
          select: { itemId: true, reviewerId: true },
        })),
      );
    }
    if (items.length !== ids.length)
      throw new UserError("not_found", "Some items are not in this campaign's current stage.");
    if (items.some((i) => i.principalId === reviewerId))
      throw new UserError("invalid", "Nobody reviews their own access: pick another reviewer for those items.");
    await materializeItemReviewers(tx, c.stage, ids);
    if (mode === "replace")
      for (let i = 0; i < ids.length; i += 500)
        await tx.campaignItemReviewerOverride.deleteMany({
          where: { itemId: { in: ids.slice(i, i + 500) }, stage: c.stage },
        });
    await tx.campaignItemReviewerOverride.createMany({
      data: items
        .filter((i) => mode === "replace" || !before.some((b) => b.itemId === i.id && b.reviewerId === reviewerId))
        .map((i) => ({ campaignId, itemId: i.id, stage: c.stage, reviewerId, relation: "chosen" })),
    });
    await appendAuditMany(
      tx,
      items.map((i) => ({
        actor: actorOf(actor),
        action: mode === "replace" ? "item.reassign" : "item.reviewer.add",
        target: { type: "campaignItem", id: i.id },
        before: { reviewers: before.filter((b) => b.itemId === i.id).map((b) => b.reviewerId) },
        after: { reviewerId, reviewerName: user.displayName },
        context: { campaignId, reason, bulkSize: items.length },
      })),
    );
    await tx.notification.create({
      data: {
        tenantId: ctx.tenantId,
        recipientId: reviewerId,
        kind: "assigned",
        subject: `Access review: ${c.name}`,
        body: `${items.length} item(s) were assigned to you by ${actor.name}.`,
        link: `/reviews/${campaignId}`,
        campaignId,
      },
    });
    return items.length;
  }, TX);
}

/** Advances to the next stage: items whose decision is among the stage's `advance` outcomes go on; the rest keep their decision. */
export async function advanceStage(
  ctx: Ctx,
  actor: Actor,
  campaignId: string,
): Promise<{ advanced: number; closed: boolean }> {
  const c = await campaignOf(ctx, campaignId);
  if (c.status !== "active") throw new UserError("conflict", "Only an active campaign has stages to advance.");
  if (c.stage >= c.stageCount) throw new UserError("conflict", "This is the last stage: close the campaign instead.");
  const config = parseConfig(c.config);
  const advance = config.stages[c.stage - 1]!.advance;
  const now = ctx.now();
  const p = [ctx.dialect.p(1), ctx.dialect.p(2)];
  const advanced = await ctx.db.$transaction(async (tx) => {
    const n = await tx.campaign.updateMany({
      where: { id: campaignId, status: "active", stage: c.stage },
      data: {
        stage: c.stage + 1,
        stageEndsAt: new Date(now.getTime() + config.stages[c.stage]!.durationDays * DAY),
        version: { increment: 1 },
      },
    });
    if (n.count === 0) throw new UserError("conflict", "The stage was advanced by someone else.");
    await tx.$executeRawUnsafe(
      `INSERT INTO "CampaignStageDecision" ("itemId", "stage", "campaignId", "decision", "decidedById", "decidedByName", "decidedAt", "justification", "decisionVia", "relation")
       SELECT "id", "stage", "campaignId", "decision", "decidedById", "decidedByName", "decidedAt", "justification", "decisionVia", "decisionRelation" FROM "CampaignItem" WHERE "campaignId" = ${p[0]} AND "stage" = ${c.stage}`,
      campaignId,
    );
    const outcomes = advance.filter((o) => o !== "undecided").map((o) => `'${o}'`);
    const cond = [
      outcomes.length ? `"decision" IN (${outcomes.join(",")})` : "",
      advance.includes("undecided") ? `"decision" IS NULL` : "",
    ]
      .filter(Boolean)
      .join(" OR ");
    const moved = cond
      ? await tx.$executeRawUnsafe(
          `UPDATE "CampaignItem" SET "stage" = "stage" + 1, "decision" = NULL, "decidedById" = NULL, "decidedByName" = NULL, "decidedAt" = NULL, "justification" = NULL, "revokeVia" = NULL, "decisionVia" = NULL, "bulkSize" = NULL, "fromRecommendation" = ${ctx.dialect.bool(false)}, "decisionRelation" = NULL, "version" = "version" + 1
           WHERE "campaignId" = ${p[0]} AND "stage" = ${c.stage} AND (${cond})`,
          campaignId,
        )
      : 0;
    await appendAudit(tx, {
      actor: actorOf(actor),
      action: "campaign.stage.advance",
      target: { type: "campaign", id: campaignId },
      before: { stage: c.stage },
      after: { stage: c.stage + 1, advancedItems: moved },
      context: { advance },
    });
    if (moved > 0) await notifyReviewers({ ...ctx, db: tx as unknown as Ctx["db"] }, campaignId, c.stage + 1, "stage");
    return moved;
  }, TX);
  if (advanced === 0) {
    await closeCampaign(ctx, actor, campaignId, `No item went on to stage ${c.stage + 1}`);
    return { advanced, closed: true };
  }
  return { advanced, closed: false };
}

/** Creates the next instance of a recurring definition as a draft when its start is due; idempotent. */
export async function createNextInstance(ctx: Ctx, definitionId: string): Promise<string | null> {
  const def = await ctx.db.campaignDefinition.findUnique({ where: { id: definitionId } });
  if (!def || def.deletedAt || def.tenantId !== ctx.tenantId) return null;
  const config = parseConfig(def.config);
  const instances = await ctx.db.campaign.findMany({
    where: { definitionId },
    orderBy: { sequence: "asc" },
    select: { sequence: true, status: true, startAt: true },
  });
  const first = instances[0];
  if (!first || instances.some((i) => i.status === "draft" || i.status === "active")) return null;
  const start = instanceStart(config.startAt, config.recurrence, instances.length, {
    intervalDays: config.intervalDays,
    series: config.series,
  });
  if (!start || start > ctx.now()) return null;
  const id = randomUUID();
  try {
    await ctx.db.campaign.create({
      data: {
        id,
        definitionId,
        tenantId: ctx.tenantId,
        name: `${def.name} #${instances.length + 1}`,
        sequence: instances.length + 1,
        status: "draft",
        config: def.config,
        startAt: start,
        endAt: new Date(start.getTime() + campaignDurationDays(config) * DAY),
        stageCount: config.stages.length,
      },
    });
  } catch {
    return null; // another scheduler created it first (unique definitionId + sequence)
  }
  await appendAudit(ctx.db, {
    actor: { type: "system", name: "scheduler" },
    action: "campaign.create",
    target: { type: "campaign", id },
    after: { definitionId, sequence: instances.length + 1, startAt: start },
  });
  return id;
}
