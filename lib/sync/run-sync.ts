/**
 * One directory sync: lock → fetch every resource into per-run staging → apply to the live tables in
 * one transaction (with the delta cursors, the run's status and its snapshot) → release.
 * Readers see the previous complete sync until the commit; a failed or killed run leaves only staging
 * rows, which the next run discards.
 */
import { databaseFaultDetail, databaseFaultMessage } from "../db/errors";
import { createHash, randomUUID } from "node:crypto";
import { appendAudit } from "@/lib/audit";
import type { PrismaClient } from ".prisma/recert-sqlite";
import {
  applyStaged,
  type ApplyOutcome,
  clearStaging,
  countDirectory,
  deltaGroupsSql,
  type ApplyPlan,
  type DirectoryCounts,
  type Mode,
} from "./apply";
import type { SyncGraph } from "./graph-port";
import { openPgWriter } from "./pg-writer";
import { governedGroupIds } from "./governed-groups";
import { RowDigest } from "./row-digest";
import { openSqliteWriter, type StagingWriter } from "./sqlite-writer";
import { acquireLock, heartbeat, releaseLock, SyncLockLost } from "./lock";
import {
  GROUP_SELECT,
  SP_SELECT,
  USER_SELECT,
  completeGroup,
  hasAllFields,
  hasProps,
  isRemoved,
  mapAppRoleAssignment,
  mapCaPolicy,
  mapGroup,
  mapOrganization,
  mapRegistration,
  mapRoleAssignment,
  mapGroupSchedule,
  mapRoleSchedule,
  mapRoleDefinition,
  mapServicePrincipal,
  mapSignInActivity,
  mapUser,
  mergeRow,
  objectType,
  type GraphObject,
} from "./map";
import { dialectOf, execIn, q, select, selectIn, type Dialect, type SqlRunner } from "@/lib/db/sql";
import { runIdLiteral, stageRows, type Row } from "./sql";
import {
  APP_OWNER,
  APP_ROLE_ASSIGNMENT,
  CA_POLICY,
  GROUP,
  GROUP_SCHEDULE,
  LIVE_TABLES,
  MEMBER,
  MEMBER_DELTA,
  MFA,
  ORGANIZATION,
  OWNER,
  REMOVED,
  ROLE_ASSIGNMENT,
  ROLE_SCHEDULE,
  ROLE_DEFINITION,
  SERVICE_PRINCIPAL,
  SP_OWNER,
  SPONSOR,
  USER,
  USER_ACTIVITY,
  USER_MANAGER,
  type TableSpec,
} from "./tables";
import { logError } from "@/lib/log";

export { SyncAlreadyRunning, SyncLockLost } from "./lock";

export type SyncTrigger = "manual" | "schedule" | "cli";
export type SyncStatus = "succeeded" | "partial" | "failed";

export interface SyncProgress {
  phase: string;
  objects: number;
  requests: number;
  retries: number;
  throttled: number;
  elapsedMs: number;
}

export interface SyncOptions {
  db: PrismaClient;
  graph: SyncGraph;
  tenantId: string;
  trigger: SyncTrigger;
  /** auto: delta where a cursor exists; full: ignore cursors */
  mode?: "auto" | "full";
  onProgress?: (p: SyncProgress) => void;
  signal?: AbortSignal;
  /** heartbeat period (default 5 s) and the age after which another run may take the lock over (default 10 min) */
  heartbeatMs?: number;
  staleAfterMs?: number;
  /**
   * How often the per-user reads without a delta API are done in full (ms). Between full reads a delta
   * sync refreshes them only for the users the delta reported as changed (and drops rows of removed or
   * disabled users). Full syncs always read everything. Defaults: activity, managers, mfa 6 h; sponsors 24 h.
   * pimGroups: PIM for Groups' assignment schedules, read between full reads only for the groups a delta reported
   * (6 h); their eligibilities are read on every run.
   */
  refreshEveryMs?: Partial<Record<RefreshKind, number>>;
  /** the database's URL: with a SQLite file, staging rows are written through a direct better-sqlite3 connection (faster) */
  databaseUrl?: string;
}

export type SlowKind = "activity" | "managers" | "mfa" | "sponsors";
/** What is read in full only now and then: the slow kinds, and PIM for Groups' assignment schedules. */
export type RefreshKind = SlowKind | "pimGroups";
export const DEFAULT_REFRESH_MS: Record<RefreshKind, number> = {
  activity: 6 * 3_600_000,
  managers: 6 * 3_600_000,
  mfa: 6 * 3_600_000,
  sponsors: 24 * 3_600_000,
  pimGroups: 6 * 3_600_000,
};

export interface SyncQuery {
  query: string;
  pages: number;
  items: number;
  /** ms from the query's start to its last page or batch (queries run side by side, so these overlap) */
  ms?: number;
}

export interface SyncManifest {
  trigger: SyncTrigger;
  requestedMode: "auto" | "full";
  modes: { users?: Mode; groups?: Mode };
  fellBackToFull: string[];
  queries: SyncQuery[];
  counts: Partial<DirectoryCounts>;
  fetched: Record<string, number>;
  /** per slow kind: read in full, or only for the users (PIM for Groups: the groups) this delta changed */
  refreshed: Partial<Record<RefreshKind, "full" | "changed">>;
  deltaCursors: { users?: boolean; groups?: boolean };
  skipped: { kind: string; reason: string }[];
  /** kinds read whole whose staged rows equal what the last apply wrote, so the apply left their tables as they were */
  unchanged?: string[];
  /** PIM for Groups (#19): the groups besides the role-assignable ones an admin named in Settings, when any were read */
  pimGroupsNamed?: string[];
  errors: string[];
  complete: boolean;
  tookOverFrom?: string;
  /** milliseconds spent fetching into staging, applying to the live tables (one transaction), cleaning up */
  timings: { fetchMs?: number; applyMs?: number; cleanupMs?: number };
}

export interface SyncResult {
  runId: string;
  status: SyncStatus;
  counts: Partial<DirectoryCounts>;
  requests: number;
  retries: number;
  throttled: number;
  durationMs: number;
  fellBackToFull: boolean;
  errors: string[];
  manifest: SyncManifest;
}

class Aborted extends Error {
  override readonly name = "SyncAborted";
}

/** Kinds whose absence (missing permission or licence) should not fail the whole sync. */
const OPTIONAL_KINDS = new Set([
  "activity",
  "managers",
  "sponsors",
  "roles",
  "pim",
  "pimGroups",
  "apps",
  "mfa",
  "policies",
  "organization",
]);

interface Ctx {
  db: PrismaClient;
  d: Dialect;
  graph: SyncGraph;
  runId: string;
  tenantId: string;
  manifest: SyncManifest;
  progress: SyncProgress;
  started: number;
  check(): void;
  report(phase: string, objects: number): void;
  stage(spec: TableSpec, rows: Row[], opts?: { ignoreDuplicates?: boolean }): Promise<void>;
}

/**
 * Phase 1, fetch: users and groups (delta when a cursor allows, else full), the slow kinds when due or for the
 * changed users only, roles, apps, policies and the organization, all into this run's staging tables.
 * Kinds a missing permission or licence blocks are skipped and named in the manifest.
 */
async function fetchAll(
  ctx: Ctx,
  opts: SyncOptions,
): Promise<{ plan: ApplyPlan; links: { users?: string; groups?: string } }> {
  const { db, tenantId, runId, manifest } = ctx;
  const cursors = opts.mode === "full" ? [] : await db.syncCursor.findMany({ where: { tenantId } });
  const cursor = (r: string) => cursors.find((c) => c.resource === r)?.deltaLink;

  const plan: ApplyPlan = {};
  const links: { users?: string; groups?: string } = {};
  const optional = async (kind: string, fn: () => Promise<void>, clear: TableSpec[]) => {
    try {
      await fn();
      (plan as Record<string, unknown>)[kind] = (plan as Record<string, unknown>)[kind] ?? true;
    } catch (e) {
      if (!OPTIONAL_KINDS.has(kind) || !isPermissionError(e)) throw e;
      manifest.skipped.push({ kind, reason: errorText(e) });
      for (const t of clear)
        await db.$executeRawUnsafe(`DELETE FROM ${q(t.stage)} WHERE "runId" = ${runIdLiteral(runId)}`);
    }
  };

  // Slow kinds (no delta API): read in full when due, else only for the users this delta changed.
  const now0 = Date.now();
  const due = (k: RefreshKind) => {
    if (opts.mode === "full" || !cursor(k === "pimGroups" ? "groups" : "users")) return true;
    const last = cursors.find((c) => c.resource === `refresh:${k}`)?.updatedAt;
    return !last || now0 - last.getTime() >= (opts.refreshEveryMs?.[k] ?? DEFAULT_REFRESH_MS[k]);
  };
  const slowFull: Record<SlowKind, boolean> = {
    activity: due("activity"),
    managers: due("managers"),
    mfa: due("mfa"),
    sponsors: due("sponsors"),
  };
  const fullReaders: Record<SlowKind, () => Promise<void>> = {
    activity: () => fetchActivity(ctx),
    managers: () => fetchManagers(ctx),
    mfa: () =>
      fetchSimple(
        ctx,
        "mfa",
        "/reports/authenticationMethods/userRegistrationDetails",
        { top: 999 },
        MFA,
        mapRegistration,
      ),
    sponsors: () => fetchSponsors(ctx, plan.users ?? "full"),
  };
  const slowTables: Record<SlowKind, TableSpec[]> = {
    activity: [USER_ACTIVITY],
    managers: [USER_MANAGER],
    mfa: [MFA],
    sponsors: [SPONSOR],
  };
  const slow = async (k: SlowKind, mode: "full" | "changed") =>
    optional(
      k,
      async () => {
        manifest.refreshed[k] = mode;
        if (mode === "full") await fullReaders[k]();
        else await fetchChanged(ctx, k);
      },
      slowTables[k],
    ).then(() => {
      if (plan[k]) plan[k] = mode;
    });

  const usersThen = async () => {
    const r = await withDeltaFallback(ctx, "users", cursor("users"), (link) => fetchUsers(ctx, link), [USER, REMOVED]);
    plan.users = r.mode;
    links.users = r.deltaLink;
    // Sponsors need the guest list; the partial reads need the changed users. (A delta that fell back
    // to full turns every partial read into a full one.)
    await Promise.all(
      (["sponsors", "activity", "managers", "mfa"] as const)
        .filter((k) => k === "sponsors" || !slowFull[k])
        .map((k) => slow(k, slowFull[k] || r.mode === "full" ? "full" : "changed")),
    );
  };
  const groups = async () => {
    const r = await withDeltaFallback(ctx, "groups", cursor("groups"), (link) => fetchGroups(ctx, link), [
      GROUP,
      MEMBER,
      OWNER,
      MEMBER_DELTA,
      REMOVED,
    ]);
    plan.groups = r.mode;
    links.groups = r.deltaLink;
    // PIM for Groups asks per role-assignable group, so it needs this run's groups. A change to the groups named in
    // Settings reads every group's assignment schedules (a newly named group's activated members and time-bound
    // memberships at once, and an un-named group's rows go): the refresh cursor keeps the list it was read with.
    const named = await governedGroupIds(db as unknown as SqlRunner);
    plan.pimGroupsNamed = named.length
      ? createHash("sha256")
          .update([...named].sort().join(","))
          .digest("hex")
      : "";
    const assignments =
      r.mode === "full" || due("pimGroups") || (cursor("refresh:pimGroups") ?? "") !== plan.pimGroupsNamed
        ? "full"
        : "changed";
    await optional("pimGroups", async () => {
      manifest.refreshed.pimGroups = assignments;
      await fetchPimGroups(ctx, r.mode, assignments, named);
      plan.pimGroups = assignments;
    }, [GROUP_SCHEDULE]);
  };
  await Promise.all([
    usersThen(),
    groups(),
    ...(["activity", "managers", "mfa"] as const).filter((k) => slowFull[k]).map((k) => slow(k, "full")),
    optional("roles", () => fetchRoles(ctx), [ROLE_DEFINITION, ROLE_ASSIGNMENT]),
    optional("pim", () => fetchPim(ctx), [ROLE_SCHEDULE]),
    optional("apps", async () => {
      // Unchanged since the last apply (a delta run only: a full sync rewrites everything it read).
      plan.appsDigest = await fetchApps(ctx);
      if (cursor(APPS_DIGEST) === plan.appsDigest) {
        plan.appsUnchanged = true;
        manifest.unchanged = [...(manifest.unchanged ?? []), "apps"];
      }
    }, [SERVICE_PRINCIPAL, APP_ROLE_ASSIGNMENT, SP_OWNER, APP_OWNER]),
    optional(
      "policies",
      () => fetchSimple(ctx, "policies", "/identity/conditionalAccess/policies", {}, CA_POLICY, mapCaPolicy),
      [CA_POLICY],
    ),
    optional(
      "organization",
      () => fetchSimple(ctx, "organization", "/organization", {}, ORGANIZATION, mapOrganization),
      [ORGANIZATION],
    ),
  ]);
  return { plan, links };
}

/**
 * Phase 2, apply: in one transaction, staged rows replace the live directory, delta cursors and refresh times
 * move on, the counts and snapshot are written and the run is marked done. Readers see the old directory until
 * the commit.
 */
async function applyRun(
  ctx: Ctx,
  plan: ApplyPlan,
  links: { users?: string; groups?: string },
  status: SyncStatus,
  stats: () => { requests: number; retries: number; throttled: number },
  applyStarted: number,
): Promise<Partial<DirectoryCounts>> {
  const { db, d, tenantId, runId, manifest, progress, started } = ctx;
  let counts: Partial<DirectoryCounts> = {};
  await db.$transaction(
    async (tx) => {
      const t = tx as unknown as SqlRunner;
      // Still ours? (A run presumed dead must not overwrite its successor.)
      if (!(await heartbeat(t, d, tenantId, runId))) throw new SyncLockLost(runId);
      const outcome = await applyStaged(t, d, plan, tenantId, runId);
      const now = new Date();
      for (const resource of ["users", "groups"] as const) {
        const link = links[resource];
        if (!link) continue;
        await tx.syncCursor.upsert({
          where: { tenantId_resource: { tenantId, resource } },
          create: { tenantId, resource, deltaLink: link, runId, updatedAt: now },
          update: { deltaLink: link, runId, updatedAt: now },
        });
        manifest.deltaCursors[resource] = true;
      }
      // A run that skipped PIM for Groups moved the groups delta on without asking the groups it reported: the next
      // run that can read it reads it in full.
      if (!plan.pimGroups) await tx.syncCursor.deleteMany({ where: { tenantId, resource: "refresh:pimGroups" } });
      // What the app tables now hold, for the next run to compare with (no digest: the kind was not read).
      if (plan.apps && plan.appsDigest)
        await tx.syncCursor.upsert({
          where: { tenantId_resource: { tenantId, resource: APPS_DIGEST } },
          create: { tenantId, resource: APPS_DIGEST, deltaLink: plan.appsDigest, runId, updatedAt: now },
          update: { deltaLink: plan.appsDigest, runId, updatedAt: now },
        });
      for (const k of ["activity", "managers", "mfa", "sponsors", "pimGroups"] as const) {
        if (plan[k] !== "full") continue;
        const resource = `refresh:${k}`;
        // PIM for Groups' cursor keeps which named groups it was read with (fetchAll).
        const deltaLink = k === "pimGroups" ? (plan.pimGroupsNamed ?? "") : "";
        await tx.syncCursor.upsert({
          where: { tenantId_resource: { tenantId, resource } },
          create: { tenantId, resource, deltaLink, runId, updatedAt: now },
          update: { deltaLink, runId, updatedAt: now },
        });
      }
      counts = await countsAfterApply(t, d, tenantId, outcome);
      await tx.syncCursor.upsert({
        where: { tenantId_resource: { tenantId, resource: MEMBERSHIPS_COUNT } },
        create: { tenantId, resource: MEMBERSHIPS_COUNT, deltaLink: String(counts.memberships), runId, updatedAt: now },
        update: { deltaLink: String(counts.memberships), runId, updatedAt: now },
      });
      manifest.counts = counts;
      const st = stats();
      Object.assign(progress, st, { phase: "done", elapsedMs: Date.now() - started });
      manifest.timings.applyMs = Date.now() - applyStarted;
      await tx.syncSnapshot.create({
        data: {
          runId,
          tenantId,
          takenAt: now,
          users: counts.users ?? 0,
          guests: counts.guests ?? 0,
          disabledUsers: counts.disabled ?? 0,
          groups: counts.groups ?? 0,
          memberships: counts.memberships ?? 0,
          roleAssignments: counts.roleAssignments ?? 0,
          servicePrincipals: counts.servicePrincipals ?? 0,
          appRoleAssignments: counts.appRoleAssignments ?? 0,
          mfaRegistered: counts.mfaRegistered ?? 0,
          caPolicies: counts.policies ?? 0,
          counts: JSON.stringify(counts),
        },
      });
      await tx.syncRun.update({
        where: { id: runId },
        data: {
          status,
          phase: "done",
          mode: plan.users === "delta" && plan.groups === "delta" ? "delta" : "full",
          finishedAt: now,
          heartbeatAt: now,
          durationMs: Date.now() - started,
          manifest: JSON.stringify(manifest),
          progress: JSON.stringify(progress),
        },
      });
      await releaseLock(t, d, tenantId, runId);
    },
    { maxWait: 60_000, timeout: 60 * 60_000 },
  );
  // PostgreSQL, after a full read: the directory just replaced is vacuumed and analysed now rather than when autovacuum
  // gets round to it. A failure here costs speed, not data.
  // - Statistics (ANALYZE): without them the dashboard's first render after a first sync of 100,000 users took 3.1 s
  //   instead of 1.3 s (the planner guessed a handful of rows for tables of a million).
  // - VACUUM: the pages the sync wrote are not marked all-visible until a vacuum does it ("Visibility map bits are only
  //   set by vacuum", PostgreSQL's documentation, "Database Physical Storage: Visibility Map"), so an index-only scan
  //   fetches every heap row it finds; and the first reader of each new row looks up its transaction and sets the row's
  //   hint bits, dirtying the page (PostgreSQL wiki, "Hint Bits"). Autovacuum did it about 20 s after the sync,
  //   alongside the first readers. The dashboard's first render after a sync of 100,000 users: 1.99 s with ANALYZE
  //   alone, 1.39 s after VACUUM (ANALYZE), which costs the sync about 1 s more than ANALYZE (#20).
  if (d.engine === "postgresql" && (plan.users === "full" || plan.groups === "full"))
    await db
      .$executeRawUnsafe(`VACUUM (ANALYZE) ${LIVE_TABLES.map((t) => q(t.live)).join(", ")}`)
      .catch((err: unknown) => logError("could not vacuum and analyse the synced tables", err));
  return counts;
}

/** The cursor row that keeps the tenant's membership count as the last apply left it (see countsAfterApply). */
const MEMBERSHIPS_COUNT = "count:memberships";

/**
 * The directory's counts for the run's snapshot. After a delta of the groups, the memberships are the figure the last
 * apply left (a cursor row, written in the same transaction as the rows, so it follows the order of the writes and not
 * a clock) plus what this apply's statements added less what they deleted, not a count of the table: counting a 100k
 * tenant's 1.08M memberships took 0.26–0.57 s of every delta's apply on PostgreSQL (an index-only scan that fetches
 * every heap page a delta touched until a vacuum). Exact because the sync is the app's only writer of the memberships
 * (no foreign key cascades into them, and a purge deletes the cursors with them; the review bench's setup writes them
 * directly and never syncs afterwards). Without the cursor, or after a full read of the groups, the table is counted.
 */
async function countsAfterApply(
  t: SqlRunner,
  d: Dialect,
  tenantId: string,
  outcome: ApplyOutcome,
): Promise<DirectoryCounts> {
  // PostgreSQL: no parallel workers for these scans. Each worker is a new process that maps every shared buffer it
  // reads afresh (a page fault each, without huge pages): at 100k users the counts took 114–301 ms with the two workers
  // the planner chose and 40–86 ms without them (psql, the same statement). SET LOCAL ends with the apply's transaction.
  if (d.engine === "postgresql") await t.$executeRawUnsafe("SET LOCAL max_parallel_workers_per_gather = 0");
  const [last] =
    outcome.membershipChange === undefined
      ? []
      : await select<{ deltaLink: string }>(
          t,
          `SELECT "deltaLink" FROM "SyncCursor" WHERE "tenantId" = ${d.p(1)} AND "resource" = '${MEMBERSHIPS_COUNT}'`,
          tenantId,
        );
  const known = last && /^\d+$/.test(last.deltaLink) ? Number(last.deltaLink) + outcome.membershipChange! : undefined;
  return countDirectory(t, d, tenantId, known === undefined ? {} : { memberships: known });
}

/** Heartbeat: proves the run is alive (the lock) and publishes progress for pages that poll. */
function startHeartbeat(
  ctx: Ctx,
  everyMs: number,
  stats: () => object,
  onLost: () => void,
): { stop: () => Promise<void> } {
  const { db, d, tenantId, runId, progress, started } = ctx;
  let beating: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    beating = (async () => {
      if (!(await heartbeat(db as unknown as SqlRunner, d, tenantId, runId))) onLost();
      Object.assign(progress, stats(), { elapsedMs: Date.now() - started });
      // Only while running: a late beat must not overwrite the finished run's phase.
      await db.syncRun.updateMany({
        where: { id: runId, status: "running" },
        data: { heartbeatAt: new Date(), phase: progress.phase, progress: JSON.stringify(progress) },
      });
    })().catch(() => undefined);
  }, everyMs);
  timer.unref?.();
  return {
    stop: async () => {
      clearInterval(timer);
      await beating;
    },
  };
}

export async function runSync(opts: SyncOptions): Promise<SyncResult> {
  const { db, graph, tenantId } = opts;
  const d = dialectOf(db as unknown as SqlRunner);
  const runId = randomUUID();
  const started = Date.now();
  const statsAtStart = { ...graph.stats };
  const lock = await acquireLock(db as unknown as SqlRunner, d, tenantId, runId, opts.staleAfterMs ?? 10 * 60_000);

  const manifest: SyncManifest = {
    trigger: opts.trigger,
    requestedMode: opts.mode ?? "auto",
    modes: {},
    fellBackToFull: [],
    queries: [],
    counts: {},
    fetched: {},
    refreshed: {},
    deltaCursors: {},
    skipped: [],
    errors: [],
    complete: false,
    timings: {},
    ...(lock.tookOverFrom ? { tookOverFrom: lock.tookOverFrom } : {}),
  };
  const progress: SyncProgress = { phase: "starting", objects: 0, requests: 0, retries: 0, throttled: 0, elapsedMs: 0 };
  const stats = () => ({
    requests: graph.stats.requests - statsAtStart.requests,
    retries: graph.stats.retries - statsAtStart.retries,
    throttled: graph.stats.throttled - statsAtStart.throttled,
  });
  let lost = false;
  let writer: StagingWriter | undefined;
  if (opts.databaseUrl?.startsWith("file:") && d.engine === "sqlite") {
    try {
      writer = openSqliteWriter(opts.databaseUrl);
    } catch {
      writer = undefined; // e.g. a bundler hid the driver: staging then goes through Prisma (slower, same result)
    }
  } else if (d.engine === "postgresql") {
    writer = await openPgWriter(db).catch(async (e: unknown) => {
      await releaseLock(db as unknown as SqlRunner, d, tenantId, runId).catch(() => undefined);
      throw e;
    });
  }
  const ctx: Ctx = {
    stage: (spec, rows, o) =>
      writer ? writer.write(spec, runId, rows, o) : stageRows(db as unknown as SqlRunner, spec, runId, rows, o),
    db,
    d,
    graph,
    runId,
    tenantId,
    manifest,
    progress,
    started,
    check() {
      if (opts.signal?.aborted) throw new Aborted("The sync was aborted.");
      if (lost) throw new SyncLockLost(runId);
    },
    report(phase, objects) {
      progress.phase = phase;
      progress.objects += objects;
      Object.assign(progress, stats(), { elapsedMs: Date.now() - started });
      opts.onProgress?.({ ...progress });
    },
  };

  try {
    await db.syncRun.create({
      data: {
        id: runId,
        tenantId,
        trigger: opts.trigger,
        mode: opts.mode ?? "auto",
        status: "running",
        phase: "starting",
        startedAt: new Date(started),
        heartbeatAt: new Date(started),
      },
    });
    // Every sync is evidence: each campaign's population comes from one (#17). A failure to append is logged; it
    // must not leave the run row behind as "running" with its lock released.
    await appendAudit(db, {
      actor: { type: "system", name: `sync (${opts.trigger})` },
      action: "sync.start",
      target: { type: "syncRun", id: runId },
      after: { trigger: opts.trigger, requestedMode: opts.mode ?? "auto", tenantId },
    }).catch((err: unknown) => logError("sync started but its audit event was not written", err, { runId }));
  } catch (e) {
    await writer?.close();
    await releaseLock(db as unknown as SqlRunner, d, tenantId, runId).catch(() => undefined);
    throw e;
  }

  const beat = startHeartbeat(ctx, opts.heartbeatMs ?? 5_000, stats, () => {
    lost = true;
  });

  let status: SyncStatus = "failed";
  let counts: Partial<DirectoryCounts> = {};
  try {
    ctx.report("preparing", 0);
    // Leftovers of interrupted runs of this tenant.
    await clearStaging(db as unknown as SqlRunner, d, { tenantId, keep: runId });
    const { plan, links } = await fetchAll(ctx, opts);
    ctx.check();
    manifest.timings.fetchMs = Date.now() - started;
    const applyStarted = Date.now();

    ctx.report("applying", 0);
    status = manifest.skipped.length ? "partial" : "succeeded";
    manifest.complete = status === "succeeded";
    counts = await applyRun(ctx, plan, links, status, stats, applyStarted);
    // After the commit, not inside it: the apply transaction must not wait on the audit log's lock (a campaign start
    // appending at the same moment would wait on the sync's locks in turn). The counts and the manifest's hash.
    await appendAudit(db, {
      actor: { type: "system", name: `sync (${opts.trigger})` },
      action: "sync.finish",
      target: { type: "syncRun", id: runId },
      after: {
        status,
        mode: plan.users === "delta" && plan.groups === "delta" ? "delta" : "full",
        counts,
        manifestSha256: createHash("sha256").update(JSON.stringify(manifest)).digest("hex"),
      },
    }).catch((err: unknown) =>
      // The data is committed: a missing event is logged, never turned into a failed run.
      logError("sync finished but its audit event was not written", err, { runId }),
    );
    ctx.report("done", 0);
  } catch (e) {
    status = "failed";
    manifest.errors.push(errorText(e));
    manifest.complete = false;
    const st = stats();
    Object.assign(progress, st, { phase: "failed", elapsedMs: Date.now() - started });
    await db.syncRun
      .updateMany({
        where: { id: runId, status: "running" },
        data: {
          status: "failed",
          phase: "failed",
          finishedAt: new Date(),
          durationMs: Date.now() - started,
          error: errorText(e),
          manifest: JSON.stringify(manifest),
          progress: JSON.stringify(progress),
        },
      })
      .catch(() => undefined);
    // When the database itself failed (cut off, full, locked), the run row says why; appending would only wait on it.
    if (!databaseFaultMessage(e))
      await appendAudit(db, {
        actor: { type: "system", name: `sync (${opts.trigger})` },
        action: "sync.finish",
        target: { type: "syncRun", id: runId },
        after: {
          status: "failed",
          error: errorText(e),
          manifestSha256: createHash("sha256").update(JSON.stringify(manifest)).digest("hex"),
        },
      }).catch(() => undefined);
  } finally {
    await writer?.close().catch(() => undefined);
    await beat.stop();
    await releaseLock(db as unknown as SqlRunner, d, tenantId, runId).catch(() => undefined);
    const cleanup = Date.now();
    await clearStaging(db as unknown as SqlRunner, d, { runId }).catch(() => undefined);
    manifest.timings.cleanupMs = Date.now() - cleanup;
  }
  const st = stats();
  return {
    runId,
    status,
    counts,
    ...st,
    durationMs: Date.now() - started,
    fellBackToFull: manifest.fellBackToFull.length > 0,
    errors: manifest.errors,
    manifest,
  };
}

function errorText(e: unknown): string {
  // A database fault (locked, connection cut, file gone) says so first, in words an admin can act on.
  const fault = databaseFaultMessage(e);
  if (fault) return `${fault} (${databaseFaultDetail(e) ?? "no detail"})`;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${e.name}${typeof code === "string" ? ` ${code}` : ""}: ${e.message}`;
  }
  return String(e);
}

function isPermissionError(e: unknown): boolean {
  const status = (e as { status?: unknown })?.status;
  const code = String((e as { code?: unknown })?.code ?? "");
  return (
    status === 403 ||
    code === "Authorization_RequestDenied" ||
    code === "Authentication_RequestFromNonPremiumTenantOrB2CTenant" ||
    // PIM without Entra ID P2 / ID Governance (maester365/maester#1421).
    code === "AadPremiumLicenseRequired"
  );
}

function isDeltaExpired(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const status = (e as { status?: unknown }).status;
  const code = String((e as { code?: unknown }).code ?? "").toLowerCase();
  return e.name === "DeltaExpiredError" || status === 410 || code === "syncstatenotfound" || code === "resyncrequired";
}

/** Runs a delta fetch; when Graph rejects the token, discards what was staged and starts over in full. */
async function withDeltaFallback(
  ctx: Ctx,
  resource: "users" | "groups",
  link: string | undefined,
  fetch: (link: string | undefined) => Promise<string | undefined>,
  tables: TableSpec[],
): Promise<{ mode: Mode; deltaLink?: string }> {
  if (link) {
    try {
      const next = await fetch(link);
      return { mode: "delta", ...(next ? { deltaLink: next } : {}) };
    } catch (e) {
      if (!isDeltaExpired(e)) throw e;
      ctx.manifest.fellBackToFull.push(resource);
      ctx.manifest.errors.push(`${resource}: delta token rejected (${errorText(e)}); fell back to a full sync`);
      for (const t of tables) {
        const extra = t === REMOVED ? ` AND "kind" = '${resource === "users" ? "user" : "group"}'` : "";
        await ctx.db.$executeRawUnsafe(`DELETE FROM ${q(t.stage)} WHERE "runId" = ${runIdLiteral(ctx.runId)}${extra}`);
      }
    }
  }
  const next = await fetch(undefined);
  return { mode: "full", ...(next ? { deltaLink: next } : {}) };
}

const queryStarted = new WeakMap<SyncQuery, number>();

function query(ctx: Ctx, text: string): SyncQuery {
  const qy = { query: text, pages: 0, items: 0 };
  queryStarted.set(qy, Date.now());
  ctx.manifest.queries.push(qy);
  return qy;
}

/** Counts a page (or a $batch) of `qy`, and the time from the query's start to it. */
function countPage(qy: SyncQuery): void {
  qy.pages += 1;
  qy.ms = Date.now() - (queryStarted.get(qy) ?? Date.now());
}

function fetched(ctx: Ctx, kind: string, n: number): void {
  ctx.manifest.fetched[kind] = (ctx.manifest.fetched[kind] ?? 0) + n;
  ctx.report(kind, n);
}

const runner = (ctx: Ctx) => ctx.db as unknown as SqlRunner;

/**
 * Iterates `source` one page ahead: the request for page n+1 is in flight while page n is written to
 * staging (better-sqlite3 writes block the event loop; the HTTP round trip then overlaps them).
 */
async function* ahead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  next.catch(() => undefined);
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = it.next();
      next.catch(() => undefined);
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/** Rows of a partial delta object completed from what this run staged, else from the live table. */
async function completePartials(ctx: Ctx, spec: TableSpec, rows: Row[]): Promise<Row[]> {
  const ids = rows.map((r) => String(r.id));
  if (ids.length === 0) return rows;
  const staged = await selectIn<Record<string, unknown>>(
    runner(ctx),
    (list) => `SELECT * FROM ${q(spec.stage)} WHERE "runId" = ${runIdLiteral(ctx.runId)} AND "id" IN (${list})`,
    ids,
  );
  const byId = new Map(staged.map((r) => [String(r.id), r]));
  const rest = ids.filter((id) => !byId.has(id));
  if (rest.length) {
    for (const r of await selectIn<Record<string, unknown>>(
      runner(ctx),
      (list) => `SELECT * FROM ${q(spec.live)} WHERE "id" IN (${list})`,
      rest,
    ))
      byId.set(String(r.id), r);
  }
  return rows.map((r) => mergeRow(r, byId.get(String(r.id))));
}

async function stageRemovals(ctx: Ctx, kind: "user" | "group", spec: TableSpec, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await execIn(
    runner(ctx),
    (list) => `DELETE FROM ${q(spec.stage)} WHERE "runId" = ${runIdLiteral(ctx.runId)} AND "id" IN (${list})`,
    ids,
  );
  await ctx.stage(
    REMOVED,
    ids.map((id) => ({ kind, id })),
  );
}

async function unstageRemovals(ctx: Ctx, kind: "user" | "group", ids: string[]): Promise<void> {
  if (!ids.length) return;
  await execIn(
    runner(ctx),
    (list) =>
      `DELETE FROM "SyncStageRemoved" WHERE "runId" = ${runIdLiteral(ctx.runId)} AND "kind" = '${kind}' AND "id" IN (${list})`,
    ids,
  );
}

async function fetchUsers(ctx: Ctx, deltaLink: string | undefined): Promise<string | undefined> {
  const qy = query(
    ctx,
    deltaLink ? "GET /users/delta (delta link)" : `GET /users/delta?$select=${USER_SELECT.join(",")}`,
  );
  ctx.manifest.modes.users = deltaLink ? "delta" : "full";
  let next: string | undefined;
  for await (const page of ahead(
    ctx.graph.delta<GraphObject>("users", { select: USER_SELECT, ...(deltaLink ? { deltaLink } : {}) }),
  )) {
    ctx.check();
    countPage(qy);
    qy.items += page.items.length;
    const removed: string[] = [];
    let rows: Row[] = [];
    const partial: Row[] = [];
    for (const o of page.items) {
      if (isRemoved(o)) removed.push(String(o.id));
      else if (deltaLink && !hasAllFields(o, USER_SELECT)) partial.push(mapUser(o));
      else rows.push(mapUser(o));
    }
    if (partial.length) rows = rows.concat(await completePartials(ctx, USER, partial));
    if (deltaLink)
      await unstageRemovals(
        ctx,
        "user",
        rows.map((r) => String(r.id)),
      );
    await ctx.stage(USER, rows);
    await stageRemovals(ctx, "user", USER, removed);
    if (page.deltaLink) next = page.deltaLink;
    fetched(ctx, "users", page.items.length);
  }
  return next;
}

async function fetchGroups(ctx: Ctx, deltaLink: string | undefined): Promise<string | undefined> {
  const qy = query(
    ctx,
    deltaLink ? "GET /groups/delta (delta link)" : `GET /groups/delta?$select=${GROUP_SELECT.join(",")}`,
  );
  ctx.manifest.modes.groups = deltaLink ? "delta" : "full";
  let next: string | undefined;
  for await (const page of ahead(
    ctx.graph.delta<GraphObject>("groups", { select: GROUP_SELECT, ...(deltaLink ? { deltaLink } : {}) }),
  )) {
    ctx.check();
    countPage(qy);
    qy.items += page.items.length;
    const removed: string[] = [];
    let rows: Row[] = [];
    const partial: Row[] = [];
    const members: Row[] = [];
    const owners: Row[] = [];
    const changes: Row[] = [];
    for (const o of page.items) {
      const id = String(o.id);
      if (isRemoved(o)) {
        removed.push(id);
        continue;
      }
      if (hasProps(o)) {
        if (!hasAllFields(o, GROUP_SELECT)) partial.push(mapGroup(o));
        else rows.push(completeGroup(mapGroup(o)));
      }
      for (const [rel, list, target, col, typeCol] of [
        ["member", o["members@delta"], members, "memberId", "memberType"],
        ["owner", o["owners@delta"], owners, "ownerId", "ownerType"],
      ] as const) {
        if (!Array.isArray(list)) continue;
        for (const m of list as GraphObject[]) {
          const gone = isRemoved(m);
          if (deltaLink)
            changes.push({
              relation: rel,
              groupId: id,
              memberId: String(m.id),
              memberType: objectType(m),
              removed: gone,
            });
          else if (!gone) target.push({ groupId: id, [col]: String(m.id), [typeCol]: objectType(m) });
        }
      }
    }
    if (partial.length) rows = rows.concat((await completePartials(ctx, GROUP, partial)).map(completeGroup));
    if (deltaLink)
      await unstageRemovals(
        ctx,
        "group",
        rows.map((r) => String(r.id)),
      );
    await ctx.stage(GROUP, rows);
    await ctx.stage(MEMBER, members, { ignoreDuplicates: true });
    await ctx.stage(OWNER, owners, { ignoreDuplicates: true });
    await ctx.stage(MEMBER_DELTA, changes);
    await stageRemovals(ctx, "group", GROUP, removed);
    if (page.deltaLink) next = page.deltaLink;
    fetched(ctx, "groups", page.items.length);
    if (members.length + changes.length) fetched(ctx, "memberships", members.length + owners.length + changes.length);
  }
  return next;
}

async function fetchActivity(ctx: Ctx): Promise<void> {
  const qy = query(ctx, "GET /users?$select=id,signInActivity&$top=500");
  for await (const page of ahead(
    ctx.graph.pages<GraphObject>("/users", { select: ["id", "signInActivity"], top: 500 }),
  )) {
    ctx.check();
    countPage(qy);
    qy.items += page.length;
    await ctx.stage(USER_ACTIVITY, page.map(mapSignInActivity));
    fetched(ctx, "activity", page.length);
  }
}

async function fetchManagers(ctx: Ctx): Promise<void> {
  const qy = query(ctx, "GET /users?$select=id&$expand=manager($select=id)&$top=999");
  for await (const page of ahead(
    ctx.graph.pages<GraphObject>("/users", { select: ["id"], expand: "manager($select=id)", top: 999 }),
  )) {
    ctx.check();
    countPage(qy);
    qy.items += page.length;
    const rows: Row[] = [];
    for (const u of page) {
      const m = u.manager as GraphObject | null | undefined;
      if (m && typeof m.id === "string") rows.push({ id: String(u.id), managerId: m.id });
    }
    await ctx.stage(USER_MANAGER, rows);
    fetched(ctx, "managers", rows.length);
  }
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function eachLimit<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) {
      const item = items[i++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * GET `urls` through $batch (20 per request, at most 4 batches in flight). A list longer than a page goes on from
 * its `@odata.nextLink`, which joins the queue and rides in a later batch with other lists' requests; an item that
 * fails inside a batch (other than 404, "deleted since we listed it") is asked again on its own, where the client's
 * retry applies and a refusal (403, licence) throws. `onLists` gets each batch's pages as they come: a list can
 * arrive over several calls.
 */
async function batchedLists(
  ctx: Ctx,
  qy: SyncQuery,
  urls: { key: string; path: string; select?: string[]; top?: number; filter?: string }[],
  onLists: (lists: [string, GraphObject[]][]) => Promise<void>,
): Promise<void> {
  const qs = (u: (typeof urls)[number]) => {
    const parts = [
      u.select ? `$select=${u.select.join(",")}` : "",
      u.top ? `$top=${u.top}` : "",
      u.filter ? `$filter=${encodeURIComponent(u.filter)}` : "",
    ].filter(Boolean);
    return parts.length ? `${u.path}?${parts.join("&")}` : u.path;
  };
  // first: the list's first page (a 404 there means the object was deleted since it was listed; on a later page it
  // would cut the list short, so it fails the read instead).
  const queue = urls.map((u) => ({ key: u.key, url: qs(u), first: true }));
  let inFlight = 0;
  let failed = false;
  let wake: (() => void)[] = [];
  const worker = async (): Promise<void> => {
    while (!failed) {
      if (queue.length === 0) {
        if (inFlight === 0) return;
        await new Promise<void>((r) => wake.push(r));
        continue;
      }
      const chunk = queue.splice(0, 20);
      inFlight++;
      try {
        ctx.check();
        const res = await ctx.graph.batch<GraphObject>(
          chunk.map((u, i) => ({ id: String(i + 1), method: "GET" as const, url: u.url })),
        );
        countPage(qy);
        const lists: [string, GraphObject[]][] = [];
        for (const [i, u] of chunk.entries()) {
          const r = res.get(String(i + 1));
          const body = r?.body as GraphObject | undefined;
          if (r && r.status >= 200 && r.status < 300 && body && Array.isArray(body.value)) {
            qy.items += body.value.length;
            lists.push([u.key, body.value as GraphObject[]]);
            // Further pages go first in the queue, so a long list's chain of pages starts early.
            const next = body["@odata.nextLink"];
            if (typeof next === "string") queue.unshift({ key: u.key, url: next, first: false });
            continue;
          }
          if (r?.status === 404 && u.first) continue; // deleted since we listed it
          for await (const page of ctx.graph.pages<GraphObject>(u.url)) {
            countPage(qy);
            qy.items += page.length;
            lists.push([u.key, page]);
          }
        }
        // After another worker failed, nothing more is staged: the caller is clearing this kind's rows.
        if (!failed) await onLists(lists);
      } catch (e) {
        failed = true;
        throw e;
      } finally {
        inFlight--;
        const w = wake;
        wake = [];
        for (const r of w) r();
      }
    }
  };
  // Every worker ends before the first failure is thrown: none is left calling Graph or staging behind the caller.
  const ends = await Promise.allSettled(Array.from({ length: Math.min(4, queue.length) }, worker));
  const failure = ends.find((e): e is PromiseRejectedResult => e.status === "rejected");
  if (failure) throw failure.reason;
}

/**
 * Single objects through $batch (20 per request); 404 means "none" (a user without a manager), other
 * failures are retried on their own through the client's retry.
 */
async function batchedGets(
  ctx: Ctx,
  qy: SyncQuery,
  urls: { key: string; url: string }[],
  onResults: (results: [string, GraphObject | undefined][]) => Promise<void>,
): Promise<void> {
  const chunks: (typeof urls)[] = [];
  for (let i = 0; i < urls.length; i += 20) chunks.push(urls.slice(i, i + 20));
  await eachLimit(chunks, 4, async (chunk) => {
    ctx.check();
    const res = await ctx.graph.batch<GraphObject>(
      chunk.map((u, i) => ({ id: String(i + 1), method: "GET" as const, url: u.url })),
    );
    countPage(qy);
    const out: [string, GraphObject | undefined][] = [];
    for (const [i, u] of chunk.entries()) {
      const r = res.get(String(i + 1));
      if (r && r.status >= 200 && r.status < 300) out.push([u.key, r.body]);
      else if (r?.status === 404) out.push([u.key, undefined]);
      else {
        try {
          out.push([u.key, await ctx.graph.get<GraphObject>(u.url)]);
        } catch (e) {
          if ((e as { status?: number }).status !== 404) throw e;
          out.push([u.key, undefined]);
        }
        countPage(qy);
      }
    }
    qy.items += out.length;
    await onResults(out);
  });
}

/** A slow kind refreshed only for the users this delta reported as changed. */
async function fetchChanged(ctx: Ctx, kind: SlowKind): Promise<void> {
  const changed = await select<{ id: string; userType: string | null; accountEnabled: number | boolean }>(
    runner(ctx),
    `SELECT "id", "userType", "accountEnabled" FROM "SyncStageUser" WHERE "runId" = ${runIdLiteral(ctx.runId)}`,
  );
  if (kind === "mfa") return; // No per-user read: apply drops rows of removed and disabled users; the next full read adds new ones.
  if (kind === "sponsors") {
    const guests = changed.filter((u) => u.userType === "Guest");
    const qy = query(ctx, "POST /$batch of GET /users/{id}/sponsors (changed guests)");
    await batchedLists(
      ctx,
      qy,
      guests.map((g) => ({ key: g.id, path: `/users/${g.id}/sponsors`, select: ["id"] })),
      async (lists) => {
        const rows = lists.flatMap(([userId, list]) =>
          list.map((s) => ({ userId, sponsorId: String(s.id), sponsorType: objectType(s) })),
        );
        await ctx.stage(SPONSOR, rows);
        fetched(ctx, "sponsors", rows.length);
      },
    );
    return;
  }
  if (kind === "activity") {
    const qy = query(ctx, "POST /$batch of GET /users/{id}?$select=id,signInActivity (changed users)");
    await batchedGets(
      ctx,
      qy,
      changed.map((u) => ({ key: u.id, url: `/users/${u.id}?$select=id,signInActivity` })),
      async (results) => {
        const rows = results
          .filter((r): r is [string, GraphObject] => Boolean(r[1]))
          .map(([, o]) => mapSignInActivity(o));
        await ctx.stage(USER_ACTIVITY, rows);
        fetched(ctx, "activity", rows.length);
      },
    );
    return;
  }
  const qy = query(ctx, "POST /$batch of GET /users/{id}/manager?$select=id (changed users)");
  await batchedGets(
    ctx,
    qy,
    changed.map((u) => ({ key: u.id, url: `/users/${u.id}/manager?$select=id` })),
    async (results) => {
      const rows = results
        .filter((r) => r[1] && typeof r[1].id === "string")
        .map(([id, m]) => ({ id, managerId: String(m!.id) }));
      await ctx.stage(USER_MANAGER, rows);
      fetched(ctx, "managers", rows.length);
    },
  );
}

async function fetchSponsors(ctx: Ctx, usersMode: Mode): Promise<void> {
  const rid = runIdLiteral(ctx.runId);
  // Guests as of the end of this run: staged ones, plus (after a delta) unchanged live ones.
  const sql =
    usersMode === "full"
      ? `SELECT "id" FROM "SyncStageUser" WHERE "runId" = ${rid} AND "userType" = 'Guest'`
      : `SELECT "id" FROM "SyncStageUser" WHERE "runId" = ${rid} AND "userType" = 'Guest'
         UNION SELECT u."id" FROM "DirUser" u WHERE u."tenantId" = ${ctx.d.p(1)} AND u."userType" = 'Guest'
           AND NOT EXISTS (SELECT 1 FROM "SyncStageUser" s WHERE s."runId" = ${rid} AND s."id" = u."id")
           AND NOT EXISTS (SELECT 1 FROM "SyncStageRemoved" r WHERE r."runId" = ${rid} AND r."kind" = 'user' AND r."id" = u."id")`;
  const guests = await select<{ id: string }>(runner(ctx), sql, ...(usersMode === "full" ? [] : [ctx.tenantId]));
  const qy = query(ctx, "POST /$batch of GET /users/{id}/sponsors (guests)");
  await batchedLists(
    ctx,
    qy,
    guests.map((g) => ({ key: g.id, path: `/users/${g.id}/sponsors`, select: ["id"] })),
    async (lists) => {
      const rows = lists.flatMap(([userId, list]) =>
        list.map((s) => ({ userId, sponsorId: String(s.id), sponsorType: objectType(s) })),
      );
      await ctx.stage(SPONSOR, rows);
      fetched(ctx, "sponsors", rows.length);
    },
  );
}

async function fetchSimple(
  ctx: Ctx,
  kind: string,
  path: string,
  o: { top?: number; select?: string[] },
  spec: TableSpec,
  map: (o: GraphObject) => Row,
): Promise<void> {
  const qy = query(ctx, `GET ${path}${o.top ? `?$top=${o.top}` : ""}`);
  for await (const page of ahead(ctx.graph.pages<GraphObject>(path, o))) {
    ctx.check();
    countPage(qy);
    qy.items += page.length;
    await ctx.stage(spec, page.map(map));
    fetched(ctx, kind, page.length);
  }
}

async function fetchRoles(ctx: Ctx): Promise<void> {
  await fetchSimple(
    ctx,
    "roleDefinitions",
    "/roleManagement/directory/roleDefinitions",
    { select: ["id", "displayName", "description", "templateId", "isBuiltIn", "isEnabled", "rolePermissions"] },
    ROLE_DEFINITION,
    mapRoleDefinition,
  );
  await fetchSimple(
    ctx,
    "roleAssignments",
    "/roleManagement/directory/roleAssignments",
    {},
    ROLE_ASSIGNMENT,
    mapRoleAssignment,
  );
}

/**
 * PIM (#19): eligibilities and active assignment schedules (rbacapplication-list-roleeligibilityschedules,
 * -roleassignmentschedules; RoleManagement.Read.Directory, which the sync app already holds, is among the accepted
 * permissions). A tenant without Entra ID P2 or ID Governance answers 400 AadPremiumLicenseRequired: the kind is
 * skipped and named in the manifest, and the directory says PIM data is unavailable.
 */
async function fetchPim(ctx: Ctx): Promise<void> {
  await fetchSimple(
    ctx,
    "roleEligibilities",
    "/roleManagement/directory/roleEligibilitySchedules",
    {},
    ROLE_SCHEDULE,
    mapRoleSchedule("eligible"),
  );
  await fetchSimple(
    ctx,
    "roleAssignmentSchedules",
    "/roleManagement/directory/roleAssignmentSchedules",
    {},
    ROLE_SCHEDULE,
    mapRoleSchedule("active"),
  );
}

/**
 * PIM for Groups (#19): eligible and active membership and ownership of the role-assignable groups, and of the groups
 * an admin named in Settings. Graph lists these schedules only for one group or one principal at a time ("This method
 * requires the $filter (eq) query parameter to scope the request to a principalId or a groupId",
 * privilegedaccessgroup-list-eligibilityschedules and -assignmentschedules), and v1.0 cannot list which groups are
 * governed by PIM. Role-assignable groups (at most 500 per tenant) are where privileged access groups live, so each of
 * them is asked, two requests per group through $batch, with the other groups an admin names in Settings as governed
 * (./governed-groups.ts). Needs PrivilegedEligibilitySchedule.Read.AzureADGroup and
 * PrivilegedAssignmentSchedule.Read.AzureADGroup (no Group or Directory permission serves), and Entra ID P2: without
 * either the kind is skipped and named in the manifest.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function fetchPimGroups(ctx: Ctx, mode: Mode, assignments: "full" | "changed", named: string[]): Promise<void> {
  const rid = runIdLiteral(ctx.runId);
  // A full read staged every group; a delta only what changed, so the live list counts too, less the groups it
  // removed. Only object ids (GUIDs) go into the filter.
  // And the groups an admin named in Settings (./governed-groups.ts: any security or Microsoft 365 group can be
  // governed by PIM), while they exist. Their ids are GUIDs (checked when read), so they go in as literals.
  const governed = named.length
    ? `("isAssignableToRole" = true OR "id" IN (${named.map((id) => `'${id}'`).join(", ")}))`
    : `"isAssignableToRole" = true`;
  const current =
    mode === "full"
      ? `SELECT "id" FROM "SyncStageGroup" WHERE "runId" = ${rid} AND ${governed}`
      : `SELECT "id" FROM "DirGroup" WHERE "tenantId" = ${ctx.d.p(1)} AND ${governed}
           AND "id" NOT IN (SELECT "id" FROM "SyncStageRemoved" WHERE "runId" = ${rid} AND "kind" = 'group')
         UNION SELECT "id" FROM "SyncStageGroup" WHERE "runId" = ${rid} AND ${governed}`;
  const params = mode === "full" ? [] : [ctx.tenantId];
  const groups = (await select<{ id: string }>(runner(ctx), `${current} ORDER BY 1`, ...params)).filter((g) =>
    GUID.test(g.id),
  );
  // The named groups this run asked (one deleted from Entra since it was named is not), for the campaigns' reports.
  const asking = new Set(groups.map((g) => g.id));
  const namedAsked = named.filter((id) => asking.has(id));
  if (namedAsked.length) ctx.manifest.pimGroupsNamed = namedAsked;
  // Eligibilities are read for every group on every run: nothing else in Graph shows them. Assignment schedules list
  // every member and owner of the group (so a large group's list pages), and a membership added or removed shows in
  // the groups delta: between full reads (6 h by default) only the groups this delta reported are asked; the other
  // groups' schedules stay as the last read left them. What can lag until the next full read is an end
  // date changed on an existing membership. (Applying replaces eligibilities whole, and assignment schedules only of
  // the groups asked: lib/sync/apply.ts.)
  const changed =
    assignments === "full"
      ? undefined
      : new Set((await select<{ id: string }>(runner(ctx), deltaGroupsSql(rid))).map((g) => g.id));
  const base = "/identityGovernance/privilegedAccess/group";
  const asked = changed ? groups.filter((g) => changed.has(g.id)) : groups;
  const qy = query(
    ctx,
    `POST /$batch of GET ${base}/eligibilitySchedules and assignmentSchedules?$filter=groupId eq '{id}' (role-assignable groups${named.length ? ` and ${named.length} named in Settings` : ""}${changed ? "; assignment schedules only of the groups this delta changed" : ""})`,
  );
  const eligible = mapGroupSchedule("eligible");
  const active = mapGroupSchedule("active");
  // Both lists in one queue, so a long list's further pages ride in batches with the other requests. No $top: these
  // lists document $select, $filter and $expand only.
  await batchedLists(
    ctx,
    qy,
    [
      ...groups.map((g) => ({ key: `e${g.id}`, path: `${base}/eligibilitySchedules`, filter: `groupId eq '${g.id}'` })),
      ...asked.map((g) => ({ key: `a${g.id}`, path: `${base}/assignmentSchedules`, filter: `groupId eq '${g.id}'` })),
    ],
    async (lists) => {
      // A schedule without a known relationship is not guessed into a membership.
      const known = (o: GraphObject) => o.accessId === "member" || o.accessId === "owner";
      const e = lists.flatMap(([k, l]) => (k[0] === "e" ? l.filter(known).map(eligible) : []));
      const a = lists.flatMap(([k, l]) => (k[0] === "a" ? l.filter(known).map(active) : []));
      await ctx.stage(GROUP_SCHEDULE, [...e, ...a]);
      fetched(ctx, "groupEligibilities", e.length);
      fetched(ctx, "groupAssignmentSchedules", a.length);
    },
  );
}

/** The cursor holding the digest of the app tables as the last apply wrote them. */
const APPS_DIGEST = "digest:apps";

/**
 * Enterprise apps, who is assigned to them, and their owners and registrations' owners: read whole on every run (no
 * delta query lists them). Returns the digest of what was staged (./row-digest.ts): the apply skips writing these
 * tables again when it equals the last applied one.
 */
async function fetchApps(ctx: Ctx): Promise<string> {
  const ids: string[] = [];
  const digest = new RowDigest();
  await fetchSimple(
    ctx,
    "servicePrincipals",
    "/servicePrincipals",
    { select: SP_SELECT, top: 999 },
    SERVICE_PRINCIPAL,
    (o) => {
      ids.push(String(o.id));
      const row = mapServicePrincipal(o);
      digest.add(SERVICE_PRINCIPAL, [row]);
      return row;
    },
  );
  const qy = query(ctx, "POST /$batch of GET /servicePrincipals/{id}/appRoleAssignedTo");
  await batchedLists(
    ctx,
    qy,
    ids.map((id) => ({ key: id, path: `/servicePrincipals/${id}/appRoleAssignedTo`, top: 999 })),
    async (lists) => {
      const rows = lists.flatMap(([, list]) => list.map(mapAppRoleAssignment));
      digest.add(APP_ROLE_ASSIGNMENT, rows);
      await ctx.stage(APP_ROLE_ASSIGNMENT, rows);
      fetched(ctx, "appRoleAssignments", rows.length);
    },
  );
  // #19: who owns each app, to review the access the app itself holds (serviceprincipal-list-owners,
  // Application.Read.All, which this kind already needs).
  const owners = query(ctx, "POST /$batch of GET /servicePrincipals/{id}/owners");
  await batchedLists(
    ctx,
    owners,
    ids.map((id) => ({ key: id, path: `/servicePrincipals/${id}/owners`, select: ["id"], top: 999 })),
    async (lists) => {
      const rows = lists.flatMap(([servicePrincipalId, list]) =>
        list.map((o) => ({ servicePrincipalId, ownerId: String(o.id), ownerType: objectType(o) })),
      );
      digest.add(SP_OWNER, rows);
      await ctx.stage(SP_OWNER, rows);
      fetched(ctx, "servicePrincipalOwners", rows.length);
    },
  );
  // #19: owners set on app registrations (application-list, application-list-owners; Application.Read.All, as above).
  // A tenant's own apps are as often owned on their registration as on their enterprise app; the registration's appId
  // names the service principal whose access its owners review. Apps registered elsewhere (Microsoft's, a gallery
  // vendor's) have no registration in this tenant, and are not listed.
  const registrations: { id: string; appId: string }[] = [];
  const apps = query(ctx, "GET /applications?$top=999");
  for await (const page of ctx.graph.pages<GraphObject>("/applications", { select: ["id", "appId"], top: 999 })) {
    ctx.check();
    countPage(apps);
    apps.items += page.length;
    for (const o of page) if (o.id && o.appId) registrations.push({ id: String(o.id), appId: String(o.appId) });
  }
  const appIdOf = new Map(registrations.map((r) => [r.id, r.appId]));
  await batchedLists(
    ctx,
    query(ctx, "POST /$batch of GET /applications/{id}/owners"),
    registrations.map((r) => ({ key: r.id, path: `/applications/${r.id}/owners`, select: ["id"], top: 999 })),
    async (lists) => {
      const rows = lists.flatMap(([applicationId, list]) =>
        list.map((o) => ({
          applicationId,
          appId: appIdOf.get(applicationId)!,
          ownerId: String(o.id),
          ownerType: objectType(o),
        })),
      );
      digest.add(APP_OWNER, rows);
      await ctx.stage(APP_OWNER, rows);
      fetched(ctx, "applicationOwners", rows.length);
    },
  );
  return digest.digest();
}
